"""Emission inventories from energy data, and physical scopes 1 and 2 (docs/inventory.md).

From an energy table in long format (region, sector, fuel, flow, quantity, unit) to CO2 by
region x sector x fuel with a shipped factor set (:mod:`~mrio_city.inventory.factors`), scope 1 at
power and heat plants and scope 2 of the electricity and heat used
(:mod:`~mrio_city.inventory.power_heat`), and the factory / urban / agriculture / rural-living
classes (:mod:`~mrio_city.inventory.classes`).
"""
