package safehttp

import "net/netip"

// The address policy follows IANA's IPv4 and IPv6 Special-Purpose Address
// Registries (RFC 6890 and later). Ranges in neverPrefixes are refused even when
// private addresses are allowed (cloud metadata at 169.254.169.254, "this
// network", broadcast, discard-only); ranges in specialPrefixes are private or
// not globally reachable and are allowed only with allowPrivate (tests, LAN
// setups). IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo,
// IPv4-compatible) are judged by the IPv4 address inside them, so
// 2002:7f00:1:: (6to4 of 127.0.0.1) is loopback, not a public address.
var neverPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("169.254.0.0/16"),     // link local (cloud metadata)
	netip.MustParsePrefix("224.0.0.0/4"),        // multicast
	netip.MustParsePrefix("255.255.255.255/32"), // limited broadcast
	netip.MustParsePrefix("::/128"),             // unspecified
	netip.MustParsePrefix("100::/64"),           // discard-only
	netip.MustParsePrefix("100:0:0:1::/64"),     // dummy prefix
	netip.MustParsePrefix("fe80::/10"),          // link local
	netip.MustParsePrefix("ff00::/8"),           // multicast
}

var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),        // private
	netip.MustParsePrefix("100.64.0.0/10"),     // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("127.0.0.0/8"),       // loopback
	netip.MustParsePrefix("172.16.0.0/12"),     // private
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),      // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.31.196.0/24"),   // AS112-v4
	netip.MustParsePrefix("192.52.193.0/24"),   // AMT
	netip.MustParsePrefix("192.88.99.0/24"),    // deprecated 6to4 relay anycast
	netip.MustParsePrefix("192.168.0.0/16"),    // private
	netip.MustParsePrefix("192.175.48.0/24"),   // direct delegation AS112
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"),   // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),    // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved
	netip.MustParsePrefix("::1/128"),           // loopback
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("2001::/23"),         // IETF protocol assignments (Teredo, benchmarking, ORCHID, ...)
	netip.MustParsePrefix("2001:db8::/32"),     // documentation
	netip.MustParsePrefix("2620:4f:8000::/48"), // direct delegation AS112
	netip.MustParsePrefix("3fff::/20"),         // documentation
	netip.MustParsePrefix("5f00::/16"),         // segment routing (SRv6) SIDs
	netip.MustParsePrefix("fc00::/7"),          // unique local
	netip.MustParsePrefix("fec0::/10"),         // deprecated site local
}

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	teredo         = netip.MustParsePrefix("2001::/32")
	v4Compatible   = netip.MustParsePrefix("::/96")
)

// Allowed reports whether ip may be dialled under the policy: a globally
// reachable unicast address, or with allowPrivate also a loopback, private or
// otherwise special-purpose one; never link-local, multicast, broadcast or
// unspecified addresses.
func Allowed(ip netip.Addr, allowPrivate bool) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		if inner, ok := embeddedV4(ip); ok {
			for _, v4 := range inner {
				if !Allowed(v4, allowPrivate) {
					return false
				}
			}
			// The well-known NAT64 prefix is how an IPv6-only host with DNS64
			// reaches IPv4-only servers; the older transition forms (6to4,
			// Teredo, IPv4-compatible) have no place on a public server's path.
			return nat64.Contains(ip) || allowPrivate
		}
	}
	if inAny(neverPrefixes, ip) {
		return false
	}
	if inAny(specialPrefixes, ip) {
		return allowPrivate
	}
	if ip.Is6() && !globalUnicast6.Contains(ip) {
		return allowPrivate // reserved by the IETF outside 2000::/3
	}
	return ip.IsGlobalUnicast()
}

// embeddedV4 returns the IPv4 addresses carried by an IPv6 address of a
// translation or tunnelling form (after Unmap, mapped addresses are IPv4
// already). Teredo carries two: the server and the obfuscated client.
func embeddedV4(ip netip.Addr) ([]netip.Addr, bool) {
	b := ip.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{b[i], b[i+1], b[i+2], b[i+3]}) }
	switch {
	case nat64.Contains(ip):
		return []netip.Addr{v4(12)}, true
	case sixToFour.Contains(ip):
		return []netip.Addr{v4(2)}, true
	case teredo.Contains(ip):
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		return []netip.Addr{v4(4), client}, true
	case v4Compatible.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		return []netip.Addr{v4(12)}, true
	}
	return nil, false
}

func inAny(prefixes []netip.Prefix, ip netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
