"""Turn Frames into files (PNG now; video, PDF, HTML, pcap later)."""
