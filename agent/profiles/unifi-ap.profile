profile unifi-ap
description Ubiquiti UniFi access point polled directly (UBNT-UniFi-MIB)
# UniFi APs report net-snmp's generic Linux sysObjectID, so the UniFi MIB
# must answer too (require) before this profile is used.
match 1.3.6.1.4.1.8072.3.2.10
require 1.3.6.1.4.1.41112.1.6
# The device is the AP; it is named by sysName.
ap_self
status_fallback presence
# unifiVapNumStations (index VAP).
ap_clients 1.3.6.1.4.1.41112.1.6.1.2.1.8
ap_uplink_ifname eth0
total_clients sum 1.3.6.1.4.1.41112.1.6.1.2.1.8
