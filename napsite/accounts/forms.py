from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self) -> str:
        # Apps show "123 456"; people copy recovery codes with stray spaces.
        return "".join(self.cleaned_data["code"].split())
