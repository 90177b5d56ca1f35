"""The password-reset e-mail, in the language of the page that asked for it.

It holds the link and nothing else about the account; who asked is not said either, so a
stranger who types a coach's address learns nothing and the coach can ignore the mail.
"""

from __future__ import annotations

from email.message import EmailMessage

from web.i18n import Catalogs


def reset_mail(
    catalogs: Catalogs, language: str, *, to: str, name: str, link: str, minutes: int
) -> EmailMessage:
    _ = catalogs.get(language).gettext
    body = "\n\n".join(
        (
            _("Hello %(name)s,") % {"name": name},
            _("Someone asked to reset the password of your Tandem coach account."),
            _("To choose a new password, open this link within %(minutes)s minutes: %(link)s")
            % {"minutes": minutes, "link": link},
            _(
                "The link works once. If you did not ask for it, ignore this e-mail: "
                "your password stays as it is."
            ),
        )
    )
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = _("Reset your Tandem password")
    message["Content-Language"] = language
    message.set_content(body)
    return message
