"""CityHub: Jiangmen's unified urban-operations hub (一网统管)."""

__version__ = "0.1.0"
