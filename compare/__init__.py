"""newscompare: see how different outlets tell the same story.

The import package is ``compare``; the distribution and command are ``newscompare``.
Nothing heavy is imported here: ``newscompare --help`` must start fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
