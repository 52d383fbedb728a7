"""List every registered method: `python -m vxai.methods` (no TensorFlow needed)."""

import json

from vxai.methods.registry import specs

for found in specs().values():
    budget = f", budget: {found.budget}" if found.budget else ""
    print(f"{found.name} ({found.display}; {found.family_title}{budget}) from {found.module}")
    for param, default in found.params.items():
        print(f"    {param} = {default!r}  {json.dumps(found.schema[param])}")
