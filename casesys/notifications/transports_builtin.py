"""Built-in transports: e-mail (Django's e-mail backend) and in-app.

E-mail goes through ``settings.EMAIL_BACKEND``: SMTP in production, a file under
``var/mail`` in ``make run``. Each message carries the notification key as ``Message-ID``
and ``X-Idempotency-Key`` so a message re-sent after a worker crash can be recognised
(mail relays and ticketing gateways deduplicate on Message-ID).
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from casesys.notifications import render as renderer
from casesys.notifications.attachments import attachments_for
from casesys.notifications.transports import Transport, TransportError


def idempotency_headers(notification) -> dict[str, str]:
    return {
        "Message-ID": f"<{notification.key}@casesys>",
        "X-Idempotency-Key": str(notification.key),
    }


class EmailTransport(Transport):
    channel = "email"

    def send(self, notification) -> None:
        address = notification.recipient_address or getattr(notification.recipient_user, "email", "")
        if not address:
            raise TransportError("沒有電子郵件地址 / No e-mail address", permanent=True)
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=idempotency_headers(notification),
            connection=get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None)),
        )
        # A template with an HTML half (notifications/<name>.<lang>.html) sends it as the
        # alternative to the text; files named in the context are built now (attachments.py).
        context = notification.context or {}
        language = context.get("language") or renderer.staff_language(notification.recipient_user)
        if notification.template:
            html = renderer.render_html(notification.template, context, language=language)
            if html:
                message.attach_alternative(html, "text/html")
        for item in attachments_for(context, language=language):
            message.attach(item.filename, item.content, item.mimetype)
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            raise TransportError(f"recipient refused {codes}", permanent=all(c >= 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            # 5xx: the server will never accept this message; 4xx: try again later.
            raise TransportError(f"SMTP {exc.smtp_code}", permanent=exc.smtp_code >= 500) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}", permanent=False) from exc


class InAppTransport(Transport):
    """The row itself is the in-app message: delivering it makes it visible in the API."""

    channel = "inapp"

    def send(self, notification) -> None:
        if notification.recipient_user_id is None:
            raise TransportError("站內通知需要收件人 / In-app notification without a user", permanent=True)
