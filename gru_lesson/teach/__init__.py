"""What students look at: plots, HTML/SVG renderers, widgets, and the why-gates experiment."""
