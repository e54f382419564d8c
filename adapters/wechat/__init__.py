"""The WeChat Official Account channel: server callbacks in, customer-service and
template messages out, through wechatpy."""
