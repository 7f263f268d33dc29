profile huawei-ac
description Huawei AC6605/AC6805 and other VRP wireless access controllers (HUAWEI-WLAN-*-MIB)
match 1.3.6.1.4.1.2011.2.240
# hwWlanApTable: index = AP MAC (6 sub-ids); configured APs, online or not.
require 1.3.6.1.4.1.2011.6.139.13.3.3.1
ap_mac index
ap_name 1.3.6.1.4.1.2011.6.139.13.3.3.1.4 key 6
# hwWlanApRunState: normal(8) is up; idle, typeNotMatch, fault, configFailed,
# commitFailed, verMismatch, nameConflicted, invalid and countryCodeMismatch
# are down; config/download/committing/standby (transitional) stay unknown.
ap_status 1.3.6.1.4.1.2011.6.139.13.3.3.1.6 key 6 up 8 down 1,3,4,6,10,12,13,14,15
# Recordings without hwWlanApRunState: hwWlanCurJointApNum equal to the
# number of listed APs proves all of them joined; otherwise unknown.
status_fallback count 1.3.6.1.4.1.2011.6.139.12.1.2.1.0
# hwWlanVapStaOnlineCnt: index AP MAC + radio + WLAN id.
ap_clients 1.3.6.1.4.1.2011.6.139.17.1.1.1.9 key 6
total_aps get 1.3.6.1.4.1.2011.6.139.12.1.2.1.0
# Per-SSID online stations, 2.4 GHz and 5 GHz columns (index: SSID string).
total_clients sum 1.3.6.1.4.1.2011.6.139.17.1.2.1.2
total_clients sum 1.3.6.1.4.1.2011.6.139.17.1.2.1.3
