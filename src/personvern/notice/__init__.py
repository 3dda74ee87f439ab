"""The privacy notice and the record of processing, generated from the manifest.

``build_notice`` writes the notice (Art. 13 and 14) in nb, sv or en; ``render_notice``
lays it out as HTML, an HTML fragment, Markdown or JSON; ``diff_manifests`` tells what
changed between two versions; ``build_register`` writes the Art. 30 record.
"""

from personvern.notice.build import ELEMENTS, build_notice
from personvern.notice.diff import NoticeChange, diff_manifests
from personvern.notice.model import Notice, NoticeSection
from personvern.notice.render import NoticeFormat, render, render_notice
from personvern.notice.ropa import ProcessingRecord, ProcessingRegister, build_register

__all__ = [
    "ELEMENTS",
    "Notice",
    "NoticeChange",
    "NoticeFormat",
    "NoticeSection",
    "ProcessingRecord",
    "ProcessingRegister",
    "build_notice",
    "build_register",
    "diff_manifests",
    "render",
    "render_notice",
]
