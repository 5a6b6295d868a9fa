"""Guidance pages for patients at home: the tiny markup they are written in, and the
changes staff make to them (the admin in admin_guidance.py calls these; the citizen
pages are in guidance_views.py).

The markup (GuidanceDocument.body) is plain text: a blank line ends a paragraph, a line
starting with "- " is a bullet (an indented line after it continues it), a line starting
with "## " is a subheading. Everything typed is escaped; only these three become HTML,
so a page written by a province admin can never carry a script or a link.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from khaibao.accounts.models import User
from khaibao.accounts.roles import Role
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.services import AuditAction, log_action

from .models import GuidanceDocument

BULLET = "- "
SUBHEADING = "## "


# -- the markup ---------------------------------------------------------------------------


class _Page:
    """The HTML of a page as it is built, block by block."""

    def __init__(self):
        self.parts: list[SafeString] = []
        self.paragraph: list[str] = []
        self.items: list[str] = []

    def flush(self) -> None:
        if self.paragraph:
            self.parts.append(format_html("<p>{}</p>", " ".join(self.paragraph)))
        if self.items:
            rows = format_html_join("\n", "<li>{}</li>", ((item,) for item in self.items))
            self.parts.append(format_html("<ul>\n{}\n</ul>", rows))
        self.paragraph, self.items = [], []


def guidance_html(text: str) -> SafeString:
    """The tiny markup of a guidance page as HTML (see the module's docstring)."""
    page = _Page()
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            page.flush()
        elif line.startswith(SUBHEADING):
            page.flush()
            page.parts.append(format_html("<h2>{}</h2>", line[len(SUBHEADING) :].strip()))
        elif line.startswith(BULLET):
            if page.paragraph:
                page.flush()
            page.items.append(line[len(BULLET) :].strip())
        elif page.items and raw[:1].isspace():
            # An indented line under a bullet: the bullet goes on.
            page.items[-1] = f"{page.items[-1]} {line}"
        else:
            if page.items:
                page.flush()
            page.paragraph.append(line)
    page.flush()
    # Every part was built by format_html from escaped text.
    return mark_safe("\n".join(page.parts))


# -- who may change which page --------------------------------------------------------------


def guidance_province_of(user) -> Area | None:
    """The province whose pages `user` writes: a province admin's own province."""
    profile = getattr(user, "staff_profile", None)
    scope = scope_for(user)
    if profile is None or profile.role != Role.PROVINCE_ADMIN or scope.area is None:
        return None
    return scope.area if scope.area.level == AreaLevel.PROVINCE else None


def guidance_may_change(*, user, province: Area | None) -> bool:
    """Superusers write the portal's own pages (no province) and any province's; staff
    holding the permission (the role matrix gives it to province admins) write only the
    pages of their own province."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = scope_for(user)
    return (
        province is not None
        and scope.area is not None
        and scope.area.province_code == province.code
        and user.has_perm("declarations.change_guidancedocument")
    )


# -- changes ----------------------------------------------------------------------------------


@transaction.atomic
def guidance_document_save(*, document: GuidanceDocument, by: User) -> GuidanceDocument:
    """Save a page edited in the admin (which audits the change); `updated_by` is what
    tells the default seeding that this page is no longer its own."""
    if not guidance_may_change(user=by, province=document.province):
        raise ValidationError(
            _("Bạn không có quyền sửa tài liệu này."), code="guidance_not_allowed"
        )
    document.updated_by = by
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def guidance_document_copy(
    *, document: GuidanceDocument, province: Area, by: User, ip: str | None = None
) -> GuidanceDocument:
    """Copy one of the portal's own pages to a province, to be adapted there.

    The copy keeps the slug, so once published it replaces the portal's page for that
    province's patients; it starts unpublished, so they keep reading the portal's page
    until the province admin has adapted and published it.
    """
    if document.province_id is not None:
        raise ValidationError(
            _("“%(title)s” là tài liệu của một tỉnh: chỉ chép được tài liệu chung của cổng.")
            % {"title": document.title},
            code="not_portal_page",
        )
    if not guidance_may_change(user=by, province=province):
        raise ValidationError(
            _("Bạn không có quyền thêm tài liệu cho %(province)s.") % {"province": province.name},
            code="guidance_not_allowed",
        )
    if GuidanceDocument.objects.filter(province=province, slug=document.slug).exists():
        raise ValidationError(
            _("%(province)s đã có tài liệu “%(title)s” (đường dẫn %(slug)s).")
            % {"province": province.name, "title": document.title, "slug": document.slug},
            code="slug_taken",
        )
    copy = GuidanceDocument(
        province=province,
        slug=document.slug,
        title=document.title,
        summary=document.summary,
        body=document.body,
        order=document.order,
        is_published=False,
        updated_by=by,
    )
    copy.full_clean()
    copy.save()
    log_action(
        actor=by,
        action=AuditAction.CREATE,
        obj=copy,
        area=province,
        ip=ip,
        detail={"copied_from": document.pk},
    )
    return copy
