"""The text of the synthetic Reddit posts (used by scripts/dev/gen_recorded_reddit.py): word lists, title and body
templates per subreddit with a tone (positive, negative, neutral), and the traps the transform must get right.
make_text(sub, rng) draws one post's title and body from a seeded random.Random.
"""

from __future__ import annotations

import random
import re

FILL = {
    "py_fw": ["Django", "FastAPI", "Flask"],
    "js_fw": ["Express", "Node.js", "NestJS", "Next.js", "Fastify"],
    "be_fw": ["Django", "FastAPI", "Express", "Spring Boot", "Laravel", "Rails", "ASP.NET Core", "Phoenix"],
    "cloud": ["AWS", "Azure", "GCP", "Google Cloud", "DigitalOcean", "Hetzner"],
    "ci": ["GitHub Actions", "GitLab CI", "Jenkins", "CircleCI", "Buildkite"],
    "lang": ["Rust", "Go", "Kotlin", "Zig", "Elixir", "C#", "Java", "TypeScript", "Python"],
    "db": ["Postgres", "SQLite", "MySQL", "Redis", "DuckDB", "MongoDB"],
    "llm": ["an LLM", "ChatGPT", "a local LLM", "GPT-4o", "an OpenAI model", "a small neural net"],
    "tool": ["Docker", "Kubernetes", "Terraform", "Ansible", "Helm", "Prometheus", "Grafana"],
    "fe": ["React", "Vue", "Svelte", "Angular", "htmx", "Astro"],
    "n": ["2", "3", "4", "5", "6", "8", "10", "12"],
    "pct": ["20%", "35%", "40%", "60%", "3x", "10x"],
}


# Sentences by tone. VADER scores the whole post; these lean clearly one way.
POSITIVE = [
    "Honestly it was a great experience and the docs are excellent.",
    "Really happy with the result, the team loves it.",
    "Huge thanks to the maintainers, this is a fantastic release.",
    "It feels clean, simple and fun to work with.",
    "Best decision we made this year, everything is faster and easier.",
    "I'm impressed by how helpful the community has been.",
    "The new version is awesome and the upgrade was painless.",
    "Super excited to share it, feedback is welcome!",
]


NEGATIVE = [
    "Honestly it has been a frustrating mess and I'm tired of it.",
    "The docs are terrible and every upgrade breaks something.",
    "We lost two days to a stupid bug and nobody could explain it.",
    "It feels bloated, slow and painful to debug.",
    "I hate how much boilerplate this needs, it is awful.",
    "The error messages are useless and the whole thing keeps crashing.",
    "Worst migration I have done, we almost had to roll back.",
    "I'm disappointed, the hype did not match reality at all.",
]


NEUTRAL = [
    "Curious how other teams handle this.",
    "Any pointers appreciated.",
    "Details below.",
    "We are a team of {n} developers on a monolith.",
    "The codebase is about {n} years old.",
    "Context: small B2B product, {n} services.",
    "I have read the official guide but still have questions.",
    "Posting here because the other thread was locked.",
]


# Traps for the transform: words that contain a keyword, a keyword repeated, one framework under three names.
TRAPS = [
    (
        "Went straight from a bootcamp to a junior role, AMA",
        "Straight answer to the usual question: I maintained a portfolio, said yes to every interview and waited. "
        "The mail that finally arrived was from a small agency.",
    ),
    (
        "Kubernetes, Kubernetes, Kubernetes: is it really the answer to everything?",
        "Every architecture review ends with someone saying kubernetes. We run three containers. "
        "Do we really need Kubernetes?",
    ),
    (
        "Node.js vs nodejs vs Express: I keep mixing up the names in our docs",
        "Our wiki says Node.js in one page, nodejs in another and Express in the API guide. "
        "It is all the same stack, an Express app on Node.js. Which naming do you use?",
    ),
    (
        "Our testing culture changed after one outage",
        "We had tests but no real testing strategy. After the outage we wrote a testing guide, "
        "and now testing is part of every review.",
    ),
    (
        "Cryptography course recommendations? (not crypto coins)",
        "Looking for a course on cryptography fundamentals: ciphers, hashes, key exchange. No coins please.",
    ),
    (
        "MLOps folks: how do you version datasets?",
        "Our mlops setup is a pile of scripts and a shared drive. What do you use?",
    ),
]


TITLES = {
    "programming": [
        ("Why we moved our backend from {lang} to {lang2}", "tone"),
        ("{lang}: what changed in the latest release", "tone"),
        ("The hidden cost of microservices after {n} years", "tone"),
        ("Is AI-assisted coding making juniors worse?", "tone"),
        ("Security incident post-mortem: leaked JWT signing key", "neg"),
        ("Writing a REST API without a framework in {lang}", "tone"),
        ("How we cut p99 latency by {pct} with better caching", "pos"),
        ("GraphQL in production: {n} lessons learned", "tone"),
        ("Unit test or integration test: where do you draw the line?", "neu"),
        ("Blockchain is still a solution looking for a problem", "neg"),
        ("A gentle introduction to encryption at rest", "tone"),
        ("What I learned maintaining an open source library for {n} years", "tone"),
        ("Code review etiquette that actually works", "tone"),
        ("Monorepo or polyrepo in {year}?", "neu"),
        ("I built a tiny interpreter in {lang} over the weekend", "pos"),
        ("Performance tuning {db}: indexes are not magic", "tone"),
        ("Spring Boot startup time: what actually helps", "tone"),
        ("OAuth explained with one diagram", "pos"),
        ("Technical debt is a product decision", "neu"),
        ("Why your machine learning model fails in production", "tone"),
    ],
    "webdev": [
        ("Laravel 12 vs {be_fw}: which would you pick for a SaaS in {year}?", "neu"),
        ("Our Laravel app handles {n}k requests per minute on one box", "pos"),
        ("Express middleware order bit us again", "neg"),
        ("Moving static assets to a CDN cut load time by {pct}", "pos"),
        ("{fe} or plain HTML with htmx for a small dashboard?", "neu"),
        ("Page speed went from 40 to 95: what we changed", "pos"),
        ("Authentication for a side project: roll my own or use a provider?", "neu"),
        ("Client wants blockchain in a bakery website", "neg"),
        ("Freelancing rates in {year}: what do you charge?", "neu"),
        ("TypeScript on the backend with Express: worth it?", "tone"),
        ("Caching strategies for a Laravel API", "tone"),
        ("My first full-stack app with Django and {fe}", "pos"),
        ("Accessibility audit found {n} issues on our landing page", "tone"),
        ("How do you handle image optimization?", "neu"),
        ("GraphQL or REST API for a mobile app backend?", "neu"),
        ("Deployment to {cloud} keeps failing with a 502", "neg"),
        ("Spring Boot for a web shop, overkill?", "neu"),
        ("Web3 login buttons are everywhere and nobody uses them", "neg"),
        ("Finally shipped my portfolio site", "pos"),
        ("Laravel Livewire made our admin panel a breeze", "pos"),
    ],
    "python": [
        ("Django 6.0 is out: background tasks built in", "pos"),
        ("FastAPI vs Django REST framework for a new project", "neu"),
        ("Flask app slowly turning into spaghetti", "neg"),
        ("pytest fixtures finally clicked for me", "pos"),
        ("FastAPI dependency injection is confusing me", "neg"),
        ("Django ORM performance: select_related saved us", "pos"),
        ("Packaging in {year}: uv, pip or poetry?", "neu"),
        ("Type hints caught a bug that tests missed", "pos"),
        ("Migrating a Python 2 codebase in {year}, send help", "neg"),
        ("Django admin is underrated", "pos"),
        ("Async Python: when is it worth it?", "neu"),
        ("My FastAPI service leaks memory under load", "neg"),
        ("What's your favourite pytest plugin?", "neu"),
        ("Teaching Python to {n} interns this summer", "tone"),
        ("Polars vs pandas on a {n} GB file", "tone"),
        ("Django or FastAPI for a machine learning API?", "neu"),
        ("Writing a CLI with Typer and rich", "pos"),
        ("Why is my Flask test suite so slow?", "neg"),
        ("Python 3.14 free-threading first impressions", "tone"),
        ("Deployment checklist for a Django app on {cloud}", "neu"),
    ],
    "javascript": [
        ("Node.js 24 LTS is out", "pos"),
        ("Express 5 finally released after years", "tone"),
        ("Is nodejs still a good choice for CPU heavy work?", "neu"),
        ("TypeScript strict mode found {n} bugs in our codebase", "pos"),
        ("Jest vs Vitest in {year}", "neu"),
        ("Our Express API crashes on large uploads", "neg"),
        ("Bun, Deno or Node.js for a new backend?", "neu"),
        ("I rewrote our Express server in Fastify and latency dropped {pct}", "pos"),
        ("Why does npm install take forever in CI/CD?", "neg"),
        ("e2e tests with Playwright are flaky, how do you cope?", "neg"),
        ("{fe} state management is a mess again", "neg"),
        ("TypeScript generics finally make sense to me", "pos"),
        ("What does your Node.js logging setup look like?", "neu"),
        ("Event loop blocked by a regex, a war story", "neg"),
        ("Small wins: we deleted {n}k lines of dead JavaScript", "pos"),
        ("Setting up authentication with JWT in Express", "tone"),
        ("Web workers for image processing, worth it?", "neu"),
        ("Migrating from webpack to Vite", "pos"),
        ("Promise.all vs for-await in practice", "neu"),
        ("NestJS or plain Express for a team of {n}?", "neu"),
    ],
    "devops": [
        ("Kubernetes for a team of {n}: overkill?", "neu"),
        ("Our GitHub Actions bill doubled this month", "neg"),
        ("Migrated from Jenkins to GitLab CI, no regrets", "pos"),
        ("Docker image went from 1.2 GB to 90 MB", "pos"),
        ("Terraform state got corrupted, how do you recover?", "neg"),
        ("Zero-downtime deployment on {cloud}: our setup", "pos"),
        ("Infrastructure as code for a small startup", "neu"),
        ("On-call burnout is real", "neg"),
        ("Helm charts vs Kustomize in {year}", "neu"),
        ("AWS cost optimization: {n} things that worked", "pos"),
        ("CI/CD pipeline takes 40 minutes, where to start?", "neg"),
        ("Observability stack on a budget", "neu"),
        ("Azure DevOps or GitHub Actions for a .NET shop?", "neu"),
        ("What does your DevOps team actually own?", "neu"),
        ("Containerization of a legacy Java app", "tone"),
        ("GitLab runners on spot instances", "tone"),
        ("Incident review: DNS, of course", "neg"),
        ("Secrets management without Vault?", "neu"),
        ("Google Cloud Run is surprisingly good", "pos"),
        ("Jenkins pipeline as code tips", "tone"),
    ],
    "MachineLearning": [
        ("[D] Are LLM benchmarks still meaningful?", "neu"),
        ("[P] Fine-tuning a small LLM on {n}k support tickets", "tone"),
        ("[R] A neural architecture that trains {pct} faster", "pos"),
        ("[D] OpenAI pricing changes and what they mean for startups", "tone"),
        ("[D] Machine learning engineer vs data scientist in {year}", "neu"),
        ("[P] Serving an ML model with FastAPI and Docker", "pos"),
        ("[D] Reviewer #2 strikes again", "neg"),
        ("[D] GPT outputs in papers: where is the line?", "neu"),
        ("[R] Distillation results that look too good to be true", "neg"),
        ("[P] Open source evaluation harness for retrieval", "pos"),
        ("[D] Is artificial intelligence hype hurting research funding?", "neg"),
        ("[D] GPU shortage for academic labs", "neg"),
        ("[P] Tiny transformer trained on a laptop", "pos"),
        ("[D] ChatGPT as a coding assistant for research code", "tone"),
        ("[R] Scaling laws for small models", "neu"),
        ("[D] How do you track experiments?", "neu"),
        ("[P] Quantized neural net runs on a microcontroller", "pos"),
        ("[D] Data labeling vendors: any good ones?", "neu"),
        ("[D] ML infrastructure on Kubernetes, worth the pain?", "tone"),
        ("[R] Latency of on-device speech models", "tone"),
    ],
}


BODY_TOPICS = [
    "We run it on {cloud} with {tool}.",
    "The API is built with {be_fw} and talks to {db}.",
    "Our CI runs on {ci} and takes about {n} minutes.",
    "I tried asking {llm} but the answer was wrong.",
    "Tests are written with pytest and run in Docker.",
    "The frontend is {fe} with TypeScript.",
    "We put a CDN in front and added caching headers.",
    "Security review flagged our OAuth setup.",
    "We are considering microservices but the team is small.",
    "Performance is fine until we hit {n}k users.",
    "Most of the team writes {lang}.",
    "Deployment happens on every merge to main.",
    "Some colleagues want to add machine learning features.",
    "We store everything in {db} and it has been fine.",
]


# Sentences that belong to one community more than the others (drawn as often as the shared ones).
SUBREDDIT_BODY = {
    "programming": [
        "The billing service is Spring Boot, the rest is {lang}.",
        "We profiled it and the hot path was string formatting.",
        "Our security team wants encryption everywhere now.",
    ],
    "webdev": [
        "I am also learning Laravel on the side.",
        "The site is served from a CDN with aggressive caching.",
        "The backend is an Express app on Node.js.",
    ],
    "python": [
        "Our Django monolith is about {n} years old.",
        "The test suite is pytest with about {n}00 tests.",
        "We run {py_fw} behind gunicorn.",
    ],
    "javascript": [
        "The backend is an Express app on Node.js.",
        "We use Jest for unit tests and Playwright for e2e.",
        "Everything is TypeScript now, even the build scripts.",
    ],
    "devops": [
        "Clusters run on {cloud} with {tool}.",
        "Pipelines are on {ci}.",
        "Infrastructure is all Terraform.",
    ],
    "MachineLearning": [
        "Training runs on {n} GPUs in the cloud.",
        "The model is served behind a small FastAPI service.",
        "We compare against a GPT baseline.",
    ],
}


def fill(template: str, rng: random.Random) -> str:
    def pick(match: re.Match) -> str:
        key = match.group(1)
        if key == "year":
            return "2026"
        if key == "lang2":
            key = "lang"
        return rng.choice(FILL[key])

    return re.sub(r"\{(\w+)\}", pick, template)


def make_text(sub: str, rng: random.Random) -> tuple[str, str, bool]:
    """(title, selftext, is_self) for one post of `sub`."""
    if rng.random() < 0.05:
        title, body = rng.choice(TRAPS)
        return title, body, True
    title_template, lean = rng.choice(TITLES[sub])
    tone = lean if lean != "tone" else rng.choice(["pos", "neg", "neu"])
    tone_pool = {"pos": POSITIVE, "neg": NEGATIVE, "neu": NEUTRAL}[tone]
    sentences = [rng.choice(NEUTRAL)] if rng.random() < 0.5 else []
    sentences += rng.sample(BODY_TOPICS + SUBREDDIT_BODY[sub] * 2, rng.choice([0, 1, 1, 2]))
    sentences += rng.sample(tone_pool, 1 if tone == "neu" else rng.choice([1, 1, 2]))
    if rng.random() < 0.12:  # a link post: the title is all there is
        return fill(title_template, rng), "", False
    return fill(title_template, rng), " ".join(fill(s, rng) for s in sentences), True
