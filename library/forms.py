"""The form a reader files a saved paper with: tags, a private note, read or to read."""

from django import forms

from library.models import MAX_NOTE_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, SavedPaper


class TagsField(forms.CharField):
    """Comma-separated tags -> a list: whitespace collapsed, duplicates (ignoring case) dropped, order kept."""

    def to_python(self, value) -> list[str]:
        tags = {}
        for tag in (" ".join(part.split()) for part in super().to_python(value).split(",")):
            if tag:
                tags.setdefault(tag.casefold(), tag)
        return list(tags.values())

    def validate(self, value) -> None:
        if len(value) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags, please: you gave {len(value)}.")
        too_long = [tag for tag in value if len(tag) > MAX_TAG_LENGTH]
        if too_long:
            raise forms.ValidationError(f"A tag has at most {MAX_TAG_LENGTH} characters: “{too_long[0][:60]}…” is longer.")

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class SavedPaperForm(forms.Form):
    tags = TagsField(
        required=False,
        max_length=MAX_TAGS * (MAX_TAG_LENGTH + 2),
        help_text="Separated by commas, e.g. “thesis, generative models”.",
    )
    state = forms.ChoiceField(choices=SavedPaper.STATES, widget=forms.RadioSelect, initial=SavedPaper.TO_READ)
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Private: only you see it.",
    )
