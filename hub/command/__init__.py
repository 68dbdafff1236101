"""Joint command (综合指挥调度): response resources, the road graph, response plans, dispatch
recommendation, units and on-scene support."""
