"""Forms for writing summaries and editing one's profile."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator


class SummaryForm(forms.Form):
    body = forms.CharField(
        label="Summary",
        max_length=settings.SUMMARY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "placeholder": "Markdown, $math$ and \\cite{arXiv id} work here."}),
        help_text="Markdown. Math in $…$, $$…$$, \\(…\\) or \\[…\\]. Cite a paper with \\cite{1706.03762}.",
        error_messages={"required": "Write something before you publish: the summary is empty."},
    )
    is_anonymous = forms.BooleanField(
        label="Post anonymously",
        required=False,
        help_text="Your name appears nowhere with this summary; only you (and moderators) know it is yours.",
    )
    is_private = forms.BooleanField(
        label="Private",
        required=False,
        help_text="Only you, and whoever you give its share link, can read it; it is listed nowhere.",
    )
    # The revision this edit started from (0: a blank form), so a save cannot silently overwrite a newer one.
    base_revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(self.fields["body"].error_messages["required"])
        return body


class PaperChoiceForm(forms.Form):
    """The "which paper?" box shown when /summaries/new/ is reached without a known paper: a title or an identifier.

    The view looks the paper up (and fetches it, rate-limited) and adds the reason for a miss here,
    so showing the errors never looks it up a second time.
    """

    paper = forms.CharField(
        label="Paper",
        max_length=500,
        help_text="Its title, an arXiv id or URL, a DOI, or a BibTeX key.",
    )


_ORCID = re.compile(
    r"(?:https?://)?(?:www\.)?(?:orcid\.org/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])/?", re.ASCII | re.IGNORECASE
)


def orcid_normalised(text: str) -> str:
    """The ORCID iD in `text` (bare, or its orcid.org address) as 0000-0000-0000-000X; ValidationError if it is none."""
    match = _ORCID.fullmatch(text.strip())
    if match is None:
        raise ValidationError("An ORCID iD is four groups of four digits, like 0000-0002-1825-0097.")
    groups = [group.upper() for group in match.groups()]
    digits = "".join(groups)
    if _orcid_check_digit(digits[:-1]) != digits[-1]:
        raise ValidationError("This ORCID iD has a typo: its last character does not match the others (ISO 7064 checksum).")
    return "-".join(groups)


def _orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2, as ORCID computes it."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label="Display name", max_length=100, required=False)
    bio = forms.CharField(label="Bio", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 5}))
    affiliation = forms.CharField(
        label="Affiliation", max_length=200, required=False, help_text="University, lab or company, as you want it shown."
    )
    website = forms.URLField(
        label="Website",
        max_length=300,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="An http:// or https:// address.",
        error_messages={"invalid": "Enter a web address starting with http:// or https://."},
    )
    orcid = forms.CharField(
        label="ORCID iD",
        max_length=40,
        required=False,
        help_text="Like 0000-0002-1825-0097; your orcid.org address works too.",
    )
    notify_comments = forms.BooleanField(
        label="Email me about new comments", required=False, help_text="On my summaries and where I commented."
    )
    weekly_digest = forms.BooleanField(
        label="Weekly digest of what I follow",
        required=False,
        help_text="Once a week, an email with the new summaries of the papers, authors and categories you follow.",
    )


    def clean_orcid(self) -> str:
        orcid = self.cleaned_data["orcid"]
        return orcid_normalised(orcid) if orcid.strip() else ""


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=10_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Markdown and $math$ work here."}),
        error_messages={"required": "Write something before you post: the comment is empty."},
    )
    # The comment this one answers; a reply to a reply is attached to its top-level comment.
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(self.fields["body"].error_messages["required"])
        return body


class SummaryImageForm(forms.Form):
    # A plain FileField: summaries.images decides what is an image by decoding it, not Django's ImageField.
    image = forms.FileField(label="Image", help_text="PNG, JPEG, GIF or WebP.")
    alt = forms.CharField(
        label="Description (alt text)",
        max_length=200,
        required=False,
        help_text="What the image shows, for readers who cannot see it.",
    )
