profile aruba-controller
description Aruba Mobility Controller, ArubaOS 6.x/8.x (WLSX-WLAN-MIB, WLSX-SWITCH-MIB)
match 1.3.6.1.4.1.14823.1.1
ap_mac index
# wlsxWlanAPTable (index AP MAC): wlanAPName, wlanAPStatus up(1)/down(2).
ap_name 1.3.6.1.4.1.14823.2.2.1.5.2.1.4.1.3 key 6
ap_status 1.3.6.1.4.1.14823.2.2.1.5.2.1.4.1.19 key 6 up 1 down 2
# wlsxWlanAPRadioTable (index AP MAC + radio): APs also listed by their
# radios, wlanAPRadioAPName, and clients per radio.
ap_name 1.3.6.1.4.1.14823.2.2.1.5.2.1.5.1.16 key 6
ap_clients 1.3.6.1.4.1.14823.2.2.1.5.2.1.5.1.7 key 6
# Without wlanAPStatus: the radio table holds the radios of APs that are
# registered with this controller, so an AP listed there is up.
status_fallback presence
total_aps get 1.3.6.1.4.1.14823.2.2.1.1.3.1.0
total_clients get 1.3.6.1.4.1.14823.2.2.1.1.3.2.0
