"""The CRM's tables. Domain enums are the single source of choices."""

from leadflow.crm.models.access import ApiToken, AuditEntry, IdempotentRequest
from leadflow.crm.models.exports import ExportRecord
from leadflow.crm.models.funnel import (
    ForecastFit,
    FunnelDay,
    FunnelMonth,
    LeadFact,
    LeadScoreModel,
    OpportunityFact,
    StageDays,
)
from leadflow.crm.models.history import (
    ConsentChange,
    MergeRecord,
    PlaybookChange,
    QualificationRecord,
    RequalificationRun,
    StageChange,
    TypeChangeRecord,
)
from leadflow.crm.models.inbox import DeliveryState, WebhookDelivery
from leadflow.crm.models.jobs import JobProgress, WorkerBeat
from leadflow.crm.models.marketing import Activity, Campaign, Source
from leadflow.crm.models.people import AvoidEntry, Company, Person
from leadflow.crm.models.pipeline import Appointment, Opportunity
from leadflow.crm.models.playbook import (
    Avatar,
    BusinessSettings,
    Criterion,
    NextStepSetting,
    TemperatureTrigger,
)
from leadflow.crm.models.segments import Segment
from leadflow.crm.models.uploads import IntakeUpload, UploadStatus
from leadflow.crm.models.work import CallLog, ProposedDisqualification, Task

__all__ = [
    "Activity",
    "ApiToken",
    "Appointment",
    "AuditEntry",
    "Avatar",
    "AvoidEntry",
    "BusinessSettings",
    "CallLog",
    "Campaign",
    "Company",
    "ConsentChange",
    "Criterion",
    "DeliveryState",
    "ExportRecord",
    "ForecastFit",
    "FunnelDay",
    "FunnelMonth",
    "IdempotentRequest",
    "IntakeUpload",
    "JobProgress",
    "LeadFact",
    "LeadScoreModel",
    "MergeRecord",
    "NextStepSetting",
    "Opportunity",
    "OpportunityFact",
    "Person",
    "PlaybookChange",
    "ProposedDisqualification",
    "QualificationRecord",
    "RequalificationRun",
    "Segment",
    "Source",
    "StageChange",
    "StageDays",
    "Task",
    "TemperatureTrigger",
    "TypeChangeRecord",
    "UploadStatus",
    "WebhookDelivery",
    "WorkerBeat",
]
