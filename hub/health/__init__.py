"""Device health (一机一档 在线率) and data quality per source; `monitoring.Monitoring` runs them in the hub."""
