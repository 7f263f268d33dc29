profile aruba-instant
description Aruba Instant virtual controller (AI-AP-MIB)
match 1.3.6.1.4.1.14823.1.2
require 1.3.6.1.4.1.14823.2.3.3.1.2.1.1
ap_mac index
# aiAccessPointTable (index AP MAC): aiAPName, aiAPStatus up(1)/down(2).
ap_name 1.3.6.1.4.1.14823.2.3.3.1.2.1.1.2 key 6
ap_status 1.3.6.1.4.1.14823.2.3.3.1.2.1.1.11 key 6 up 1 down 2
# aiRadioClientNum (index AP MAC + radio). Rows whose MAC is not in the AP
# table are not APs and are ignored (counted as orphan rows).
ap_clients 1.3.6.1.4.1.14823.2.3.3.1.2.2.1.21 key 6
status_fallback none
total_clients sum 1.3.6.1.4.1.14823.2.3.3.1.1.7.1.4
