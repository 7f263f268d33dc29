profile ruckus-sz
description Ruckus SmartZone controllers (RUCKUS-SZ-SYSTEM-MIB); totals only
match 1.3.6.1.4.1.25053.3.1.11
# This MIB has no per-AP table: APs cannot be listed, so areas mapped to
# them are "missing" (unknown), never down. Totals are still reported.
total_aps get 1.3.6.1.4.1.25053.1.4.1.1.1.15.1.0
total_aps_up sum 1.3.6.1.4.1.25053.1.8.1.1.1.1.1.1.19
total_clients get 1.3.6.1.4.1.25053.1.4.1.1.1.15.2.0
