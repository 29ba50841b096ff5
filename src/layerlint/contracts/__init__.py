"""Architecture contracts beyond the layers: independence, forbidden imports, interfaces.

``model`` holds the plain configuration records, ``settings`` validates them from
``[tool.layerlint]``, ``imports`` builds the module import graph (third-party packages
included) and ``evaluate`` finds the broken contracts with the import chain that breaks
them. The rules in ``rules/layering`` only turn those results into findings.
"""
