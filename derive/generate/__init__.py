"""The build pipeline: definition -> rules -> rewrite -> verify -> render.

``rules`` differentiates by named rules, ``rewrite`` reaches the target closed form,
``limit_steps`` derives limits and special values, ``derivation`` assembles and
verifies the whole chain (every verdict comes from ``derive.verify``), and
``catalog`` holds the bundled functions.
"""
