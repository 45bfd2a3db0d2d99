"""Load a handful of real papers and summaries written for the demo, so `make run` shows a living site.

Running it again updates the same rows; it never duplicates them.
"""

from collections import Counter
from datetime import date

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from papers.services import PaperRecord, paper_upsert
from summaries import services
from summaries.models import Summary, Vote

DEMO_PASSWORD = "shortscience-demo"

PAPERS = [
    PaperRecord(
        title="Pixel Recurrent Neural Networks",
        authors=["Aaron van den Oord", "Nal Kalchbrenner", "Koray Kavukcuoglu"],
        abstract=(
            "Modeling the distribution of natural images is a landmark problem in unsupervised learning. "
            "This task requires an image model that is at once expressive, tractable and scalable. We present "
            "a deep neural network that sequentially predicts the pixels in an image along the two spatial "
            "dimensions."
        ),
        venue="ICML",
        published=date(2016, 1, 25),
        arxiv_id="1601.06759",
        arxiv_version=3,
        bibtex_key="journals/corr/OordKK16",
        categories=["cs.CV", "cs.LG", "cs.NE"],
    ),
    PaperRecord(
        title="Attention Is All You Need",
        authors=[
            "Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit",
            "Llion Jones", "Aidan N. Gomez", "Lukasz Kaiser", "Illia Polosukhin",
        ],
        abstract=(
            "The dominant sequence transduction models are based on complex recurrent or convolutional neural "
            "networks that include an encoder and a decoder. We propose a new simple network architecture, the "
            "Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions entirely."
        ),
        venue="NeurIPS",
        published=date(2017, 6, 12),
        arxiv_id="1706.03762",
        arxiv_version=7,
        bibtex_key="conf/nips/VaswaniSPUJGKP17",
        categories=["cs.CL", "cs.LG"],
    ),
    PaperRecord(
        title="Deep Residual Learning for Image Recognition",
        authors=["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
        abstract=(
            "Deeper neural networks are more difficult to train. We present a residual learning framework to "
            "ease the training of networks that are substantially deeper than those used previously."
        ),
        venue="CVPR",
        year=2016,  # CVPR 2016; the arXiv preprint is from December 2015
        published=date(2015, 12, 10),
        arxiv_id="1512.03385",
        arxiv_version=1,
        doi="10.1109/cvpr.2016.90",
        categories=["cs.CV"],
    ),
    PaperRecord(
        title="Adam: A Method for Stochastic Optimization",
        authors=["Diederik P. Kingma", "Jimmy Ba"],
        abstract=(
            "We introduce Adam, an algorithm for first-order gradient-based optimization of stochastic objective "
            "functions, based on adaptive estimates of lower-order moments."
        ),
        venue="ICLR",
        year=2015,
        published=date(2014, 12, 22),
        arxiv_id="1412.6980",
        arxiv_version=9,
        categories=["cs.LG"],
    ),
    PaperRecord(
        title="Auto-Encoding Variational Bayes",
        authors=["Diederik P. Kingma", "Max Welling"],
        abstract=(
            "How can we perform efficient inference and learning in directed probabilistic models, in the "
            "presence of continuous latent variables with intractable posterior distributions, and large datasets?"
        ),
        venue="ICLR",
        year=2014,
        published=date(2013, 12, 20),
        arxiv_id="1312.6114",
        arxiv_version=11,
        categories=["stat.ML", "cs.LG"],
    ),
    PaperRecord(
        title="The Neural Autoregressive Distribution Estimator",
        authors=["Hugo Larochelle", "Iain Murray"],
        venue="AISTATS",
        year=2011,
        journal_ref="JMLR W&CP 15:29-37, 2011",
        bibtex_key="journals/jmlr/LarochelleM11",
        url="https://proceedings.mlr.press/v15/larochelle11a.html",
        pdf_url="https://proceedings.mlr.press/v15/larochelle11a/larochelle11a.pdf",
    ),
]

USERS = [
    ("joseph", "Joseph Paul Cohen", "Runs ShortScience. Reads generative models for fun."),
    ("hugo", "Hugo L.", "Density estimation, autoregressive models, and good tea."),
    ("amelia", "Amelia Chen", "PhD student in NLP. I summarize what I read on the train."),
]

SUMMARIES = [
    ("joseph", "1601.06759", r"""
PixelRNN models an image $\mathbf{x}$ as a product of conditionals over its $n^2$ pixels, in raster order:

$$p(\mathbf{x}) = \prod_{i=1}^{n^2} p(x_i \mid x_1, \dots, x_{i-1})$$

Each colour channel is conditioned on the previous ones, so $p(x_{i,R} \mid \mathbf{x}_{<i})$ comes first,
then $p(x_{i,G} \mid \mathbf{x}_{<i}, x_{i,R})$ and so on. The idea goes back to NADE \cite{journals/jmlr/LarochelleM11}.

## What is new

* **Row LSTM** and **Diagonal BiLSTM** layers compute the conditionals in parallel along rows or diagonals.
* Pixels are a *256-way softmax*, not a continuous density: the model can be multimodal for free.
* Residual connections \cite{1512.03385} make 12-layer LSTMs trainable.

| Model | NLL on CIFAR-10 (bits/dim) |
|---|---|
| PixelCNN | 3.14 |
| Diagonal BiLSTM | 3.00 |
"""),
    ("amelia", "1706.03762", r"""
The Transformer drops recurrence altogether. Every layer mixes the sequence with scaled dot-product attention:

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right) V$$

The $\sqrt{d_k}$ keeps the logits from growing with the key size $d_k$, where the softmax would saturate.
*Multi-head* attention runs $h = 8$ of these in parallel on projections $W_i^Q, W_i^K, W_i^V$.

Positions are injected with sinusoids, \(PE_{(pos, 2i)} = \sin(pos / 10000^{2i/d_{model}})\), so the model
can attend by relative offset. Training uses Adam \cite{arXiv:1412.6980} with warm-up.

Takeaway: a path of length $O(1)$ between any two tokens, and full parallelism during training.
"""),
    ("hugo", "1412.6980", r"""
Adam keeps exponential moving averages of the gradient $g_t$ and its square:

\[ m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \]

and corrects their bias toward zero before the step
$\theta_t = \theta_{t-1} - \alpha \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$.

1. The effective step is bounded by roughly $\alpha$, whatever the gradient's scale.
2. Defaults $\beta_1 = 0.9$, $\beta_2 = 0.999$ work almost everywhere.

It became the default optimizer, e.g. for the Transformer \cite{1706.03762} and for VAEs \cite{https://arxiv.org/abs/1312.6114}.
"""),
    ("joseph", "1312.6114", r"""
The VAE maximizes the evidence lower bound

$$\log p_\theta(x) \ge \mathbb{E}_{q_\phi(z \mid x)}[\log p_\theta(x \mid z)] - D_{KL}(q_\phi(z \mid x) \,\|\, p(z))$$

The *reparameterization trick* writes $z = \mu_\phi(x) + \sigma_\phi(x) \odot \epsilon$ with
$\epsilon \sim \mathcal{N}(0, I)$, so gradients flow through the sampling step and the whole thing trains with
plain SGD or Adam \cite{1412.6980}.
"""),
]


class Command(BaseCommand):
    help = "Load demo papers, users and summaries (idempotent), and say what was new and what was already there."

    @transaction.atomic
    def handle(self, *args, **options):
        papers, new_papers = {}, 0
        for record in PAPERS:
            paper, created = paper_upsert(record=record)
            papers[paper.arxiv_id or paper.bibtex_key] = paper
            new_papers += created

        User = get_user_model()
        authors, new_users = {}, 0
        for username, display_name, bio in USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                new_users += 1
            services.profile_update(user=user, display_name=display_name, bio=bio)
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            authors[username] = user

        summary_changes = Counter()
        summaries = []
        for username, paper_key, body in SUMMARIES:
            paper, author, body = papers[paper_key], authors[username], body.strip()
            existing = Summary.objects.filter(paper=paper, author=author).values_list("body", flat=True).first()
            summary_changes["new" if existing is None else "unchanged" if existing == body else "updated"] += 1
            summaries.append(services.summary_save(paper=paper, author=author, body=body))
        votes_before = Vote.objects.filter(summary__in=summaries).count()
        for summary in summaries:
            for voter in authors.values():
                if voter != summary.author:
                    services.vote_cast(summary=summary, voter=voter, value=Vote.UP)
        new_votes = Vote.objects.filter(summary__in=summaries).count() - votes_before

        self.stdout.write(
            f"Papers: {new_papers} new, {len(PAPERS) - new_papers} already here (updated in place).\n"
            f"Users: {new_users} new, {len(USERS) - new_users} already here.\n"
            f"Summaries: {summary_changes['new']} new, {summary_changes['updated']} updated, "
            f"{summary_changes['unchanged']} unchanged.\n"
            f"Votes: {new_votes} new."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo users {', '.join(u for u, _, _ in USERS)} (password “{DEMO_PASSWORD}”)."
            )
        )
