"""The evaluation plan's metrics, from what the repository itself knows.

Section 8 of the Foundation's plan names the metrics it will be judged by. Some of them this
repository can measure at every build, and does: decision records (:mod:`.decisions`), the
curriculum's execution records (:mod:`.curriculum`), the site's releases and the git history
(:mod:`.history`). The rest come from outside (downloads, citations, surveys) and are entered by
hand in ``governance/metrics.yaml`` (:mod:`.external`), each with its date and source, or left
empty: a figure nobody reported is shown as such, never guessed. :mod:`.collect` gathers them
all for the page; :mod:`.charts` draws them.
"""
