profile cisco-wlc
description Cisco AireOS controllers and Cisco Business Wireless (AIRESPACE-WIRELESS-MIB)
# CBW140/240 family. AireOS WLCs have per-model sysObjectIDs under
# 1.3.6.1.4.1.9.1 shared with switches: add yours, or force `profile cisco-wlc`.
match 1.3.6.1.4.1.9.6.1.37
match 1.3.6.1.4.1.9.1.1069
match 1.3.6.1.4.1.9.1.1279
match 1.3.6.1.4.1.9.1.1615
match 1.3.6.1.4.1.9.1.1631
match 1.3.6.1.4.1.9.1.2170
require 1.3.6.1.4.1.14179.2.2.1.1.3
ap_mac index
# bsnAPTable (index AP base radio MAC).
ap_name 1.3.6.1.4.1.14179.2.2.1.1.3 key 6
ap_location 1.3.6.1.4.1.14179.2.2.1.1.4 key 6
# bsnAPOperationStatus: associated(1), disassociating(2), downloading(3).
ap_status 1.3.6.1.4.1.14179.2.2.1.1.6 key 6 up 1 down 2
# clsSysApConnectCount equal to the listed APs proves all are joined.
status_fallback count 1.3.6.1.4.1.9.9.618.1.8.4.0
# bsnApIfNoOfUsers (index AP MAC + slot).
ap_clients 1.3.6.1.4.1.14179.2.2.2.1.15 key 6
total_aps get 1.3.6.1.4.1.9.9.618.1.8.4.0
total_clients sum 1.3.6.1.4.1.14179.2.1.1.1.38
