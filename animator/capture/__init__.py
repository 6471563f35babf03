"""Captures in and out: read pcap/pcapng files fast, turn them into scenes, sniff live traffic.

Qt-free (tests/test_layers.py checks it); scapy is imported lazily, inside the functions that
need it, because ``import scapy`` costs seconds and most of this package never needs it.
"""
