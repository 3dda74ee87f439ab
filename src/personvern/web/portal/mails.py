"""The portal's mails: the one-time code, and the link to a request's status page.

The code mail reads the same whether or not the shop knows the address: it never says
whether there is data or an account (that is seen only after verification).
"""

from __future__ import annotations

from email.message import EmailMessage

from personvern.mail import compose
from personvern.requests.verification import CODE_TTL, MAX_ATTEMPTS
from personvern.web.pages import gettext_for


def _in(language: str, message: EmailMessage) -> EmailMessage:
    # After the body is set: setting content drops Content-* headers given before it.
    message["Content-Language"] = language
    return message


def code_mail(*, sender: str, to: str, code: str, shop: str, language: str) -> EmailMessage:
    _ = gettext_for(language)
    minutes = int(CODE_TTL.total_seconds() // 60)
    text = "\n\n".join([
        _("Your verification code for the privacy portal of {shop} is:").format(shop=shop),
        f"    {code}",
        _("Enter it on the page where you asked for it. It is valid for {minutes} minutes "
          "and can be tried {attempts} times.").format(minutes=minutes,
                                                      attempts=MAX_ATTEMPTS),
        _("If you did not ask for a code, ignore this mail: nothing happens without the "
          "code."),
    ])
    return _in(language, compose(sender, to, _("Your verification code: {code}").format(
        code=code), text, headers={"Auto-Submitted": "auto-generated"}))


def status_mail(*, sender: str, to: str, link: str, title: str, due: str, shop: str,
                language: str) -> EmailMessage:
    _ = gettext_for(language)
    text = "\n\n".join([
        _("We have received your request: {title}.").format(title=title),
        _("We answer by {due} at the latest.").format(due=due),
        _("Follow your request, and fetch the answer when it is ready, here:"),
        link,
        _("Keep this link to yourself: it shows the state of your request."),
        shop,
    ])
    return _in(language, compose(sender, to, _("Your privacy request to {shop}").format(
        shop=shop), text, headers={"Auto-Submitted": "auto-generated"}))
