"""The daily point-of-sale import: each store's export of purchase lines, made into
purchases linked to customers and credited to the ambassador who served them online.

``rows``, ``header``, ``records``, ``values`` and ``csv_safe`` are pure; ``importer`` and
the modules it calls do the I/O.
"""
