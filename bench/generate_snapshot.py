"""Write N synthetic arXiv snapshot records shaped like the real arxiv-metadata-oai-snapshot.json.

    .venv/bin/python bench/generate_snapshot.py 1000000 bench/out/snapshot-1000000.jsonl[.gz]

Deterministic (fixed seed): the same N gives the same file. Lengths and mixes follow the real
snapshot: ~1 KB abstracts hard-wrapped at ~80 columns, 1-12 authors, 1-3 categories, 1-5
versions, ~15% old-style ids, ~35% of abstracts and ~10% of titles with $math$, ~3% of author
names and ~1% of abstracts with TeX accents, ~40% with a DOI (a few listing two, a few shared
by two papers), ~30% with a journal-ref.
"""

import argparse
import gzip
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

SEED = 20071

WORDS = (
    "model models learning neural network networks deep data training method methods results show "
    "propose proposed approach algorithm algorithms performance problem problems based using paper "
    "theory quantum field energy state states system systems function functions analysis study "
    "time space high low order large small new novel efficient robust optimal linear nonlinear "
    "distribution distributions estimate estimation inference bayesian gradient stochastic convex "
    "graph graphs matrix matrices random process processes dynamics equation equations solution "
    "solutions boundary condition conditions spectrum spectral galaxy galaxies star stars mass "
    "dark matter cosmological observations observed measurement measurements experiment detector "
    "particle particles scattering decay symmetry gauge string strings black hole holes horizon "
    "manifold manifolds group groups algebra algebras operator operators invariant invariants "
    "prove proof theorem lemma bound bounds upper lower tight regret sample complexity convergence "
    "the of and in to a we is that for on with this are by as an which be from these our it can "
    "framework benchmark benchmarks dataset datasets accuracy significantly outperforms existing "
    "transformer attention language vision representation representations generative adversarial"
).split()
FIRST_NAMES = (
    "Ada Alan Grace Emmy Sofia Hiroshi Wei Li Maria Juan Pierre Marie Ivan Olga Ashish Noam Yoshua "
    "Geoffrey Yann Fei-Fei Andrew Daphne Michael Judea Leslie Barbara Donald Edsger John Claude "
    "A. B. C. D. E. F. G. H. J. K. L. M. N. P. R. S. T."
).split()
LAST_NAMES = (
    "Lovelace Turing Hopper Noether Kovalevskaya Tanaka Zhang Wang Garcia Rodriguez Dupont Curie "
    "Petrov Ivanova Vaswani Shazeer Bengio Hinton LeCun Li Ng Koller Jordan Pearl Valiant Liskov "
    "Knuth Dijkstra McCarthy Shannon Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson "
    "Taylor Thomas Moore Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young"
).split()
ACCENTED_LAST_NAMES = (
    r"Bal\'azs", r"M\"uller", r"Erd\H{o}s", r"Ne{\v{s}}et{\v{r}}il", r"Sch{\o}lkopf", r"Garc{\'\i}a",
    "Müller", "Żukowski", "Šimek",  # the real snapshot has both TeX and Unicode
)
CATEGORIES = (
    "cs.LG cs.CL cs.CV cs.AI stat.ML math.CO math.PR math.AP math.NT math.DG math.GT hep-th hep-ph "
    "hep-ex hep-lat gr-qc astro-ph.CO astro-ph.GA astro-ph.SR quant-ph cond-mat.str-el cond-mat.mtrl-sci "
    "cond-mat.stat-mech physics.optics q-bio.NC econ.EM eess.SP nucl-th"
).split()
OLD_ARCHIVES = "hep-th hep-ph hep-ex hep-lat gr-qc astro-ph cond-mat quant-ph math nucl-th physics cs".split()
MATH = (r"$\alpha$", r"$O(n \log n)$", r"$\mathcal{N}=4$", r"$x^2 + y^2 = 1$", r"$\sum_{i=1}^n x_i$", r"$k$", r"$\ell_1$")
JOURNALS = ("Phys.Rev.D", "Phys.Rev.Lett.", "JHEP", "Nucl.Phys.B", "Astrophys.J.", "J.Mach.Learn.Res.", "Ann. Math.")
LICENSES = (None, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/", "http://creativecommons.org/licenses/by/4.0/")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

OLD_MONTHS = [(year, month) for year in range(1992, 2008) for month in range(1, 13) if (year, month) < (2007, 4)]
NEW_MONTHS = [(year, month) for year in range(2007, 2026) for month in range(1, 13) if (year, month) >= (2007, 4)]


def arxiv_id(index: int, rng: random.Random) -> tuple[str, date]:
    """A unique id for record `index` and the date of its month; ~15% old-style, as in the real snapshot."""
    if index % 20 < 3:
        serial = index // 20 * 3 + index % 20
        archive = OLD_ARCHIVES[serial % len(OLD_ARCHIVES)]
        year, month = OLD_MONTHS[serial // len(OLD_ARCHIVES) % len(OLD_MONTHS)]
        number = serial // (len(OLD_ARCHIVES) * len(OLD_MONTHS)) + 1
        return f"{archive}/{year % 100:02d}{month:02d}{number:03d}", date(year, month, 1)
    serial = index // 20 * 17 + index % 20 - 3
    year, month = NEW_MONTHS[serial % len(NEW_MONTHS)]
    number = serial // len(NEW_MONTHS) + 1
    width = 5 if year >= 2015 else 4
    return f"{year % 100:02d}{month:02d}.{number:0{width}d}", date(year, month, 1)


def text(rng: random.Random, words: int, math_share: float) -> str:
    chosen = rng.choices(WORDS, k=words)
    if rng.random() < math_share:
        for _ in range(rng.randint(1, 3)):
            chosen[rng.randrange(words)] = rng.choice(MATH)
    return " ".join(chosen)


def wrapped(body: str) -> str:
    """Hard-wrapped at ~80 columns with the leading spaces and trailing newline arXiv abstracts have."""
    lines, line = [], ""
    for word in body.split(" "):
        if line and len(line) + len(word) > 79:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "  " + "\n".join(lines) + "\n"


def version_date(day: date, rng: random.Random) -> str:
    return (
        f"{WEEKDAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year} "
        f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d} GMT"
    )


def record(index: int, rng: random.Random, previous_doi: str | None) -> dict:
    identifier, month = arxiv_id(index, rng)
    first = month + timedelta(days=rng.randrange(28))
    versions = [first]
    for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(55, 28, 10, 5, 2))[0]):
        versions.append(versions[-1] + timedelta(days=rng.randint(1, 400)))
    authors_parsed = []
    for _ in range(rng.choices(range(1, 13), weights=(15, 20, 18, 14, 10, 7, 5, 4, 3, 2, 1, 1))[0]):
        last = rng.choice(ACCENTED_LAST_NAMES) if rng.random() < 0.03 else rng.choice(LAST_NAMES)
        authors_parsed.append([last, rng.choice(FIRST_NAMES), "Jr" if rng.random() < 0.002 else ""])
    title = text(rng, rng.randint(4, 16), 0.10).capitalize()
    abstract = text(rng, rng.randint(110, 190), 0.35)
    if rng.random() < 0.01:
        abstract = r"Following Erd\H{o}s and R\'enyi, " + abstract
    doi = None
    share = rng.random()
    if share < 0.001 and previous_doi:
        doi = previous_doi  # the real snapshot has a few DOIs claimed by two papers
    elif share < 0.40:
        doi = f"10.{rng.randint(1000, 9999)}/{rng.choice(('PhysRevD', 'j.physletb', 'JHEP', 's00220'))}.{index}"
        if share < 0.002:
            doi += f" 10.{rng.randint(1000, 9999)}/second.{index}"
    categories = rng.sample(CATEGORIES, rng.choices((1, 2, 3), weights=(50, 35, 15))[0])
    return {
        "id": identifier,
        "submitter": f"{authors_parsed[0][1]} {authors_parsed[0][0]}",
        "authors": ", ".join(f"{first_name} {last}" for last, first_name, _ in authors_parsed),
        "title": wrapped(title).strip(),
        "comments": f"{rng.randint(4, 60)} pages, {rng.randint(0, 20)} figures" if rng.random() < 0.7 else None,
        "journal-ref": f"{rng.choice(JOURNALS)} {rng.randint(1, 120)} ({versions[-1].year}) {rng.randint(1, 9999)}"
        if rng.random() < 0.30
        else None,
        "doi": doi,
        "report-no": None,
        "categories": " ".join(categories),
        "license": rng.choice(LICENSES),
        "abstract": wrapped(abstract),
        "versions": [{"version": f"v{n}", "created": version_date(day, rng)} for n, day in enumerate(versions, start=1)],
        "update_date": (versions[-1] + timedelta(days=rng.randint(0, 30))).isoformat(),
        "authors_parsed": authors_parsed,
    }


def generate(count: int, out: Path) -> None:
    rng = random.Random(SEED)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    opener = gzip.open if out.suffix == ".gz" else open
    previous_doi = None
    with opener(partial, "wt", encoding="utf-8") as file:
        for index in range(count):
            entry = record(index, rng, previous_doi)
            previous_doi = (entry["doi"] or "").split(" ")[0] or previous_doi
            file.write(json.dumps(entry, separators=(",", ":")) + "\n")
    partial.rename(out)  # a half-written file never passes for a finished one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="number of records")
    parser.add_argument("out", type=Path, help="output file; .gz to compress")
    args = parser.parse_args()
    generate(args.count, args.out)
    print(f"Wrote {args.count:,} records to {args.out} ({args.out.stat().st_size / 2**20:,.0f} MiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
