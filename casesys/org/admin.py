from __future__ import annotations

from django.contrib import admin

from casesys.org.models import Department, StaffProfile


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "kind", "parent", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("path",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "department", "roles", "title")
    list_select_related = ("user", "department")
    search_fields = ("user__username", "user__first_name", "user__last_name", "department__name")
    autocomplete_fields = ("department",)
