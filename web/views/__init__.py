"""Page handlers, one module per area; web.routes wires them."""
