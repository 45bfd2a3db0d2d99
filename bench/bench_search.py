"""Search benchmark: load N synthetic papers into a separate PostgreSQL database, time papers.search.

    .venv/bin/python bench/bench_search.py --papers 1000000            # load, then measure
    .venv/bin/python bench/bench_search.py --skip-load                 # measure again on the loaded data

The database (default shortscience_bench_search on 127.0.0.1) is dropped and recreated by a load;
the site's own database is never touched. Rows are generated here (a Zipf-distributed vocabulary,
so common words hit hundreds of thousands of papers and rare ones a handful) and written with COPY;
the indexes from the migrations are dropped for the load and rebuilt after it, as a bulk import would.
A few real papers are planted so that exact and misspelled titles have something to find.
"""

import argparse
import io
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20170612
CHUNK = 20_000

FUNCTION_WORDS = (
    "the of and a in to for we is on that with by this as an are from our which be can it these at "
    "using show results based both two such than also while not more how its their new into over"
).split()
DOMAIN_WORDS = (
    "learning model neural network data deep training method approach performance problem models "
    "networks algorithm task image representation function analysis classification optimization "
    "graph inference gradient distribution attention language generative adversarial reinforcement "
    "policy agent convolutional recurrent transformer embedding robust efficient sparse stochastic "
    "bayesian variational kernel estimation regression clustering detection segmentation recognition "
    "quantum theory spectral physics galaxy stellar magnetic field equation manifold algebra group "
    "theorem proof finite infinite dimensional operator boundary energy particle scattering lattice "
    "protein molecule sequence genome cell dynamics system control signal noise channel coding privacy "
    "fairness federated contrastive supervised unsupervised semi self pretraining benchmark dataset "
    "evaluation generalization bound complexity convergence memory hardware compiler program verification"
).split()
SYLLABLES = "ka lo mi ne ru ta vi so pe da gu ri zo ha ke ly mo ni pa qu se tu wa xe yo zi bra chi dro fle".split()
FIRST_NAMES = (
    "Ada Alan Grace Hugo Iain Yoshua Geoffrey Yann Fei Andrew Daphne Ilya Oriol Koray Nal Aaron Ashish "
    "Noam Niki Jakob Llion Aidan Lukasz Illia Diederik Max Ian Jean Mehdi Sherjil Kaiming Xiangyu Shaoqing "
    "Jian Alex Sepp Jurgen Juergen Demis David Shane Tim Maria Elena Sofia Wei Li Ming Jun Hiro Yuki Priya "
    "Arjun Olga Ivan Pierre Marie Lukas Anna Carlos Lucia Ahmed Fatima Kwame Amara Lars Ingrid Mateo"
).split()
CATEGORIES = (
    "cs.LG cs.CV cs.CL cs.AI stat.ML cs.RO cs.CR cs.DS cs.IT math.OC math.PR math.ST math.AG math.NT "
    "math.CO quant-ph hep-th hep-ph gr-qc astro-ph.GA astro-ph.CO astro-ph.SR cond-mat.mes-hall "
    "cond-mat.str-el cond-mat.stat-mech physics.optics physics.flu-dyn q-bio.NC q-bio.BM eess.SP eess.IV econ.EM"
).split()
VENUES = "NeurIPS ICML ICLR CVPR ICCV ECCV ACL EMNLP NAACL AAAI IJCAI KDD JMLR TPAMI Nature Science PRL".split()

PLANTED = [
    ("Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit",
     "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin"], "1706.03762", "cs.CL", 2017),
    ("Pixel Recurrent Neural Networks", ["Aaron van den Oord", "Nal Kalchbrenner", "Koray Kavukcuoglu"],
     "1601.06759", "cs.CV", 2016),
    ("Generative Adversarial Networks", ["Ian J. Goodfellow", "Jean Pouget-Abadie", "Mehdi Mirza"],
     "1406.2661", "stat.ML", 2014),
    ("Deep Residual Learning for Image Recognition", ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
     "1512.03385", "cs.CV", 2015),
    ("Adam: A Method for Stochastic Optimization", ["Diederik P. Kingma", "Jimmy Ba"], "1412.6980", "cs.LG", 2014),
    ("Auto-Encoding Variational Bayes", ["Diederik P. Kingma", "Max Welling"], "1312.6114", "stat.ML", 2013),
]

QUERIES = {
    "common word": ["learning", "network", "model", "data", "quantum"],
    "common words": ["deep learning", "neural network training", "graph neural networks", "the model of the data"],
    "rare words": [],  # filled from the tail of the vocabulary, see rare_queries()
    "author": ["Vaswani", "Kalchbrenner", "Kingma", "Grace Hopper"],  # the last is not there: a miss
    "exact title": ["Attention Is All You Need", "Deep Residual Learning for Image Recognition"],
    "misspelled title": ["atention is al you need", "pixel recurent neural netwroks",
                         "generativ adversarial netwroks", "deep residul lerning for image recognitoin"],
}


def vocabulary(rng: random.Random) -> list[str]:
    """Function words first, then domain words, then 30,000 made-up words: rank decides frequency."""
    words, seen = FUNCTION_WORDS + DOMAIN_WORDS, set(FUNCTION_WORDS + DOMAIN_WORDS)
    while len(words) < 30_000:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def surnames(rng: random.Random) -> list[str]:
    names = set()
    while len(names) < 20_000:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize() + rng.choice(["", "n", "r", "s", "ski", "son", "ez"]))
    return sorted(names)


def zipf_weights(n: int, s: float = 1.05) -> list[float]:
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1.0 / rank**s
        cumulative.append(total)
    return cumulative


def rare_queries(words: list[str]) -> list[str]:
    return [words[12_000], words[20_000], f"{words[9_000]} {words[300]}", words[29_000]]


def _rows(start: int, count: int) -> str:
    """`count` papers in COPY text format; deterministic for a given start."""
    rng = random.Random(SEED + start)
    words = vocabulary(random.Random(SEED))
    family = surnames(random.Random(SEED + 1))
    cumulative = zipf_weights(len(words))
    family_weights = zipf_weights(len(family), 0.8)
    skip = len(FUNCTION_WORDS) // 2  # titles use fewer function words
    title_vocabulary, title_cumulative = words[skip:], [weight - cumulative[skip - 1] for weight in cumulative[skip:]]
    out = io.StringIO()
    epoch = date(1995, 1, 1)
    for n in range(start, start + count):
        title_words = rng.choices(title_vocabulary, cum_weights=title_cumulative, k=rng.randint(4, 12))
        title = " ".join(title_words).capitalize()
        abstract = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(60, 220))).capitalize() + "."
        authors = [f"{rng.choice(FIRST_NAMES)} {name}" for name in rng.choices(family, cum_weights=family_weights, k=rng.randint(1, 8))]
        # Recent years hold most papers, as on arXiv.
        published = epoch + timedelta(days=int(11_000 * rng.random() ** 0.5))
        primary = CATEGORIES[min(int(rng.expovariate(0.12)), len(CATEGORIES) - 1)]
        categories = [primary] + rng.sample(CATEGORIES, rng.randint(0, 2))
        venue = rng.choice(VENUES) if rng.random() < 0.15 else ""
        arxiv_id = f"{published:%y%m}.{n:07d}"  # unique, if longer than real ids
        out.write("\t".join([
            title, json.dumps(authors), abstract, str(published.year), venue, "", published.isoformat(),
            published.isoformat(), arxiv_id, "1", r"\N", r"\N", json.dumps(list(dict.fromkeys(categories))),
            "", "", "2024-01-01 00:00:00+00", "2024-01-01 00:00:00+00",
        ]) + "\n")
    return out.getvalue()


def _chunk(args):
    return _rows(*args)


COLUMNS = ("title, authors, abstract, year, venue, journal_ref, published, updated, arxiv_id, arxiv_version, "
           "doi, bibtex_key, categories, pdf_url, url, created_at, modified_at")


def load(database: str, papers: int, summaries: int) -> None:
    import psycopg2
    from django.core.management import call_command
    from django.db import connection

    from papers.bulk_indexes import drop_indexes, restore_deferred_indexes

    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')
        cursor.execute(f'CREATE DATABASE "{database}"')
    admin.close()

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    # As import_arxiv_snapshot does for a first load: the indexes that back no constraint go, and are
    # built again from sorted data after it.
    dropped = drop_indexes("papers_paper") + drop_indexes("summaries_summary")
    print(f"schema ready, {len(dropped)} indexes dropped for the load ({time.perf_counter() - started:.0f}s)", flush=True)

    raw = connection.connection  # psycopg2 connection under Django's
    planted = {row[2] for row in PLANTED}
    with multiprocessing.Pool(os.cpu_count() or 2) as pool:
        done = 0
        for block in pool.imap(_chunk, [(start, min(CHUNK, papers - start)) for start in range(0, papers, CHUNK)]):
            with raw.cursor() as cursor:
                cursor.copy_expert(f"COPY papers_paper ({COLUMNS}) FROM STDIN", io.StringIO(block))
            done += block.count("\n")
            if done % 200_000 < CHUNK:
                print(f"  {done:,} papers ({time.perf_counter() - started:.0f}s)", flush=True)

    rng = random.Random(SEED + 2)
    with connection.cursor() as cursor:
        for title, authors, arxiv_id, category, year in PLANTED:
            cursor.execute(
                f"INSERT INTO papers_paper ({COLUMNS}) VALUES (%s, %s, %s, %s, '', '', %s, %s, %s, 1, NULL, NULL, %s, '', '', now(), now())",
                [title, json.dumps(authors), f"The paper {title.lower()} introduces a new method.", year,
                 date(year, 6, 1), date(year, 6, 1), arxiv_id, json.dumps([category])],
            )
    # Users and summaries go through the ORM so that every column keeps its model default.
    from django.contrib.auth import get_user_model

    from summaries.models import Profile, Summary

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench{n}", password="!") for n in range(2000)], batch_size=1000
    )
    Profile.objects.bulk_create([Profile(user=user) for user in users], batch_size=1000, ignore_conflicts=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM papers_paper")
        first_paper, last_paper = cursor.fetchone()
    words = vocabulary(random.Random(SEED))
    cumulative = zipf_weights(len(words))
    pairs, batch = set(), []
    for n in range(summaries):
        pair = (rng.randint(first_paper, last_paper), users[n % len(users)].pk)
        if pair in pairs:
            continue
        pairs.add(pair)
        body = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(80, 400)))
        batch.append(Summary(paper_id=pair[0], author_id=pair[1], body=body, body_html=f"<p>{body}</p>", is_hidden=n % 50 == 0))
        if len(batch) == 2000:
            Summary.objects.bulk_create(batch)
            batch = []
    Summary.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE summaries_summary SET created_at = created_at - random() * interval '900 days'")
    print(f"rows loaded ({time.perf_counter() - started:.0f}s); building indexes", flush=True)

    restore_deferred_indexes(built=lambda name, seconds: print(f"  {name}: {seconds:.0f}s", flush=True), jobs=2)
    with connection.cursor() as cursor:
        step = time.perf_counter()
        cursor.execute("REFRESH MATERIALIZED VIEW papers_searchword")
        print(f"  papers_searchword (words for spelling corrections): {time.perf_counter() - step:.0f}s", flush=True)
        # Django runs in autocommit mode, so VACUUM may run here.
        cursor.execute("VACUUM (ANALYZE) papers_paper")
        cursor.execute("VACUUM (ANALYZE) summaries_summary")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('papers_paper'))")
        size = cursor.fetchone()[0]
    print(f"loaded {papers:,} papers and {summaries:,} summaries in {time.perf_counter() - started:.0f}s; papers_paper is {size}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(repeat: int, explain: bool) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import setup_test_environment

    from papers import search
    from papers.models import Paper

    setup_test_environment()
    words = vocabulary(random.Random(SEED))
    queries = dict(QUERIES, **{"rare words": rare_queries(words)})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM papers_paper")
        print(f"{cursor.fetchone()[0]:,} papers; PostgreSQL {connection.pg_version}", flush=True)

    def timed(function) -> float:
        started = time.perf_counter()
        function()
        return (time.perf_counter() - started) * 1000

    # Warm the caches once, as a running site would be.
    for group in queries.values():
        for query in group:
            search.paper_results(query=query, page_number=1)

    all_times: dict[str, list[float]] = {}
    print(f"\n{'query':46} {'hits':>6} {'median':>8} {'p95':>8}   (ms, papers.search.paper_results, page 1, {repeat} runs)")
    for group, group_queries in queries.items():
        for query in group_queries:
            times = []
            for _ in range(repeat):
                times.append(timed(lambda: list(search.paper_results(query=query, page_number=1).object_list)))
            page = search.paper_results(query=query, page_number=1)
            top = page.object_list[0].title[:30] if page.object_list else "-"
            print(f"{group + ': ' + query:46.46} {page.paginator.count:>6} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f}   {top}")
            all_times.setdefault(group, []).extend(times)
            all_times.setdefault("all paper searches", []).extend(times)

    summary_times = []
    for query in ["learning", "deep learning", rare_queries(words)[0], "model data training"]:
        for _ in range(repeat):
            summary_times.append(timed(lambda: list(search.summary_results(query=query, page_number=1).object_list)))
    all_times["summary searches"] = summary_times

    paper = Paper.objects.get(arxiv_id="1601.06759")
    # Warm these too (the paper rows and the category and venue index pages), as above.
    for warm in list(Paper.objects.filter(pk__in=[n * 47_111 for n in range(1, 21)])) + [paper]:
        search.similar_papers(paper=warm)
    for category in ["cs.LG", "math.PR", "econ.EM"]:
        for number in (1, 50):
            list(search.category_page(category=category, page_number=number))
    sample = list(Paper.objects.filter(pk__in=[n * 47_111 for n in range(1, 21)])) + [paper]
    all_times["similar papers"] = [timed(lambda p=p: search.similar_papers(paper=p)) for p in sample for _ in range(max(1, repeat // 4))]
    all_times["category page 1"] = [timed(lambda c=c: list(search.category_page(category=c, page_number=1).object_list))
                                    for c in ["cs.LG", "math.PR", "econ.EM", "nonexistent"] for _ in range(repeat)]
    all_times["category page 50 (the deepest)"] = [timed(lambda c=c: list(search.category_page(category=c, page_number=50).object_list))
                                     for c in ["cs.LG", "math.PR"] for _ in range(repeat)]
    all_times["venue page"] = [timed(lambda v=v, y=y: list(search.venue_page(venue=v, year=y, page_number=1).object_list))
                               for v, y in [("NeurIPS", None), ("ICML", 2019), ("PRL", 1996)] for _ in range(repeat)]

    client = Client()
    full_pages = []
    for query in ["learning", "graph neural networks", "atention is al you need", rare_queries(words)[1]]:
        for _ in range(max(1, repeat // 2)):
            full_pages.append(timed(lambda: client.get("/search/", {"q": query})))
    all_times["/search/ page via test client"] = full_pages

    print(f"\n{'group':36} {'runs':>5} {'median':>8} {'p95':>8} {'max':>8}   (ms)")
    for group, times in all_times.items():
        print(f"{group:36} {len(times):>5} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} {max(times):8.1f}")

    if explain:
        for query in ["learning", "atention is al you need", rare_queries(words)[0]]:
            print(f"\nEXPLAIN ANALYZE for {query!r}:")
            with connection.cursor() as cursor:
                sql, params = search.ranked_papers_sql(query)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--summaries", type=int, default=50_000)
    parser.add_argument("--database", default="shortscience_bench_search")
    parser.add_argument("--skip-load", action="store_true", help="measure the database as it is")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the ranking query")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    if not args.skip_load:
        load(args.database, args.papers, args.summaries)
    if not args.load_only:
        measure(args.repeat, args.explain)


if __name__ == "__main__":
    main()
