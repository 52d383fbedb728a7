"""Stage functions behind the workflow's scripts, one module per stage, so that a rule's
code dependencies are only the modules its stage imports."""
