from django.contrib import admin
from django.urls import include, path

from leadflow.api.v1 import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("leadflow.web.urls")),
]

handler500 = "leadflow.web.errors.server_error"
