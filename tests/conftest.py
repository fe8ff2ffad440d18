"""Property tests run the same examples on every machine, so a landing is not decided by a draw.

`pytest --hypothesis-profile=explore` draws fresh examples to hunt for new counterexamples.
"""

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("ci")
