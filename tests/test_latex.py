"""BibTeX's LaTeX becomes Unicode text, and math stays exactly as written for the renderer."""

import pytest

from papers.latex import latex_to_text

CASES = [
    # Accents, in every bracing people use.
    (r"J{\"u}rgen Schmidhuber", "Jürgen Schmidhuber"),
    (r"J{\"{u}}rgen", "Jürgen"),
    (r"J\"{u}rgen", "Jürgen"),
    (r"G\"odel", "Gödel"),
    (r"R{\'{e}}nyi", "Rényi"),
    (r"Caf\'e", "Café"),
    (r"applications {\`a} la", "applications à la"),
    (r"Dud{\'{\i}}k", "Dudík"),
    (r"Stra{\ss}e", "Straße"),
    (r"Gar\c{c}on", "Garçon"),
    (r"{\aa}ngstr{\"o}m", "ångström"),
    (r"{\AA}ngstr{\"o}m", "Ångström"),
    (r"{\L}ukasz", "Łukasz"),
    (r"Sch{\o}lkopf", "Schølkopf"),
    (r"Ne{\v{s}}et{\v{r}}il", "Nešetřil"),
    (r"Erd{\H{o}}s", "Erdős"),
    (r"Pe{\~n}a", "Peña"),
    # Dashes, quotes, ties and escaped specials.
    ("pages 29--37", "pages 29–37"),
    ("models---and more", "models—and more"),
    ("``quoted''", "“quoted”"),
    ("D.~E. Knuth", "D. E. Knuth"),
    (r"Q\&A", "Q&A"),
    ("R&D", "R&D"),
    # An escaped dollar stays escaped, so the page shows "$5" instead of opening a formula.
    (r"Costs \$5 and \$10", r"Costs \$5 and \$10"),
    (r"50\% faster", "50% faster"),
    ("a 100% gain", "a 100% gain"),
    (r"\_ \# \{x\}", "_ # {x}"),
    # BibTeX's case-protecting braces and formatting macros go; their text stays.
    ("{BERT}: Pre-training", "BERT: Pre-training"),
    ("{{GAN}s}", "GANs"),
    (r"\emph{Attention} is {\em All} you \textbf{Need}", "Attention is All you Need"),
    # Math is kept verbatim, delimiters included.
    (r"Learning $\alpha$-divergences", r"Learning $\alpha$-divergences"),
    (r"The $O(n \log n)$ bound", r"The $O(n \log n)$ bound"),
    (r"{$\mathcal{O}(1)$} updates", r"$\mathcal{O}(1)$ updates"),
    (r"\emph{$k$}-means", r"$k$-means"),
    (r"G{\"o}del and $\sum_{i} x_i^2$", r"Gödel and $\sum_{i} x_i^2$"),
    (r"inline \(x^2\) math", r"inline \(x^2\) math"),
    (r"$$E = mc^2$$ displayed", r"$$E = mc^2$$ displayed"),
    (r"$\begin{aligned} a &= b \end{aligned}$", r"$\begin{aligned} a &= b \end{aligned}$"),
    # One line, single spaces, as BibTeX reads a field.
    ("Fourteenth\n               International  Conference", "Fourteenth International Conference"),
    ("  padded\t", "padded"),
    ("", ""),
    ("Plain title", "Plain title"),
]


@pytest.mark.parametrize("latex, text", CASES)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text
