"""closbgp integration-test harness: network namespaces, real BGP daemons
(FRR, BIRD, GoBGP) and closbgpd, polled through their JSON state."""
