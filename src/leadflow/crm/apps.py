from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "leadflow.crm"
    label = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        from leadflow.crm import audit

        audit.connect()
