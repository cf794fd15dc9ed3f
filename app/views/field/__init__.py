"""The technician's sections of an order (a phone, or a tablet's right pane): time, parts and
follow-up work. The order screen (app.views.order.screen) places them."""
