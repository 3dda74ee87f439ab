"""Mail goes through a real SMTP server (aiosmtpd), or into a folder of .eml files."""

from __future__ import annotations

from pathlib import Path

import pytest

from personvern.mail import FileOutbox, MailError, SmtpOutbox, compose, outbox_from_env


def test_smtp_delivers_text_and_html(smtp_server) -> None:
    url, received = smtp_server
    outbox = SmtpOutbox.from_url(url, sender="Fjordhund <personvern@fjordhund.no>")
    outbox.send(compose(outbox.sender, "kari@example.no", "Koden din", "123456",
                        html="<p>123456</p>", headers={"List-Unsubscribe": "<https://x/u>"}))
    (message,) = received.wait_for(1)
    assert message["To"] == "kari@example.no"
    assert message["Subject"] == "Koden din"
    assert message["List-Unsubscribe"] == "<https://x/u>"
    assert message.get_body(("plain",)).get_content().strip() == "123456"
    assert "<p>123456</p>" in message.get_body(("html",)).get_content()


def test_unreachable_server_is_a_clear_error_without_the_address() -> None:
    outbox = SmtpOutbox.from_url("smtp://127.0.0.1:9")
    with pytest.raises(MailError) as caught:
        outbox.send(compose(outbox.sender, "secret@example.no", "s", "t"))
    assert "secret@example.no" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://host", "smtp://", "mailto:x@y"])
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(MailError):
        SmtpOutbox.from_url(url)


def test_smtp_url_parts() -> None:
    outbox = SmtpOutbox.from_url("smtps://user%40shop:p%2Fw@mail.example:2465")
    assert (outbox.host, outbox.port, outbox.username, outbox.password, outbox.implicit_tls) == (
        "mail.example", 2465, "user@shop", "p/w", True)
    assert SmtpOutbox.from_url("smtp://m.example?starttls=1").starttls


def test_header_injection_is_refused() -> None:
    with pytest.raises(MailError):
        compose("a@b", "victim@example.no\r\nBcc: all@example.no", "s", "t")


def test_file_outbox_keeps_messages_in_order(tmp_path: Path) -> None:
    outbox = outbox_from_env({"PERSONVERN_OUTBOX": str(tmp_path / "out")})
    assert isinstance(outbox, FileOutbox)
    for n in range(3):
        outbox.send(compose(outbox.sender, "kari@example.no", f"n{n}", "body"))
    paths = outbox.messages()
    assert [p.read_bytes().count(b"Subject: n") for p in paths] == [1, 1, 1]
    assert b"Subject: n0" in paths[0].read_bytes() and b"Subject: n2" in paths[2].read_bytes()
    assert not list((tmp_path / "out").glob("*.part"))


def test_environment_picks_smtp(smtp_server) -> None:
    url, _ = smtp_server
    assert isinstance(outbox_from_env({"PERSONVERN_SMTP_URL": url}), SmtpOutbox)
