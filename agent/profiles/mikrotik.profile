profile mikrotik
description MikroTik RouterOS with wireless interfaces (MIKROTIK-MIB)
match 1.3.6.1.4.1.14988.1
require 1.3.6.1.4.1.14988.1.1.1.3.1
# mtxrWlApTable (index ifIndex): each AP-mode wlan interface is an AP,
# named by its ifName.
ap_name 1.3.6.1.4.1.14988.1.1.1.3.1.4 key 1 ifname
# The interface's ifOperStatus is the AP's status.
ap_status 1.3.6.1.2.1.2.2.1.8 key 1 up 1 down 2
ap_clients 1.3.6.1.4.1.14988.1.1.1.3.1.6 key 1
# mtxrWlApTxRate in bit/s (0 = not reported).
ap_radio_rate 1.3.6.1.4.1.14988.1.1.1.3.1.2 key 1 unit bps
status_fallback none
total_clients sum 1.3.6.1.4.1.14988.1.1.1.3.1.6
