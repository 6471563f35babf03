"""Real packets: scapy layer stacks, wire bytes, and their dissection for the inspector (no Qt)."""
