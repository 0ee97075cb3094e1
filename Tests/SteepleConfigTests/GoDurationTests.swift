import SteepleConfig
import Testing

@Suite("GoDuration")
struct GoDurationTests {
    static let valid: [(String, Duration)] = [
        ("0", .zero), ("-0", .zero), ("+0", .zero),
        ("5s", .seconds(5)), ("30s", .seconds(30)), ("300s", .seconds(300)), ("-5s", .seconds(-5)),
        ("+5s", .seconds(5)),
        ("5.0s", .seconds(5)), ("5.6s", .milliseconds(5600)), ("5.s", .seconds(5)), (".5s", .milliseconds(500)),
        ("1.004s", .milliseconds(1004)), ("100.00100s", .milliseconds(100_001)),
        ("10ns", .nanoseconds(10)), ("11us", .microseconds(11)), ("12µs", .microseconds(12)),
        ("12μs", .microseconds(12)), ("100ms", .milliseconds(100)), ("5m", .seconds(300)), ("24h", .seconds(86_400)),
        ("1h30m", .seconds(5400)), ("1.5h", .seconds(5400)), ("10.5s4m", .milliseconds(250_500)),
        ("-2m3.4s", .milliseconds(-123_400)), ("1h2m3s4ms5us6ns", .nanoseconds(3_723_004_005_006)),
        ("39h9m14.425s", .milliseconds(140_954_425)), ("0.3333333333333333333h", .seconds(1200)),
        ("0.830103483285477580700h", .nanoseconds(2_988_372_539_827)),
        ("9223372036854775807ns", .nanoseconds(Int64.max)), ("9223372036854775.807us", .nanoseconds(Int64.max)),
        ("-9223372036854775808ns", .nanoseconds(Int64.min)),
    ]

    @Test("parses what Go's time.ParseDuration parses", arguments: valid)
    func parsesValid(_ text: String, _ expected: Duration) throws {
        #expect(try GoDuration.parse(text) == expected)
    }

    @Test(
        "rejects what Go's time.ParseDuration rejects",
        arguments: [
            "", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1h 30m", " 1h", "1H", "1.5", "24 h", "1hh",
            "9223372036854775808ns", "9223372036854775.808us", "9223372036854ms775us808ns", "-9223372036854775809ns",
            "99999999999999999999h",
            "9223372036854775808ns9223372036854775808ns", "-9223372036854775808ns1ns",
        ])
    func rejectsInvalid(_ text: String) {
        let error = #expect(throws: ConfigError.self) { try GoDuration.parse(text) }
        #expect(error?.code == .invalidDuration)
    }

    @Test(
        "formats as Go's Duration.String does",
        arguments: [
            (Duration.zero, "0s"), (.nanoseconds(1), "1ns"), (.nanoseconds(1100), "1.1µs"),
            (.microseconds(2200), "2.2ms"),
            (.milliseconds(3300), "3.3s"), (.seconds(245), "4m5s"), (.milliseconds(245_001), "4m5.001s"),
            (.milliseconds(18_367_001), "5h6m7.001s"), (.nanoseconds(480_000_000_001), "8m0.000000001s"),
            (.seconds(86_400), "24h0m0s"), (.seconds(-5400), "-1h30m0s"),
            (.nanoseconds(Int64.max), "2562047h47m16.854775807s"),
            (.nanoseconds(Int64.min), "-2562047h47m16.854775808s"),
        ])
    func formats(_ duration: Duration, _ expected: String) {
        #expect(GoDuration.format(duration) == expected)
    }

    @Test("reads back what it formats", arguments: valid.map(\.1))
    func roundTrips(_ duration: Duration) throws {
        #expect(try GoDuration.parse(GoDuration.format(duration)) == duration)
    }
}
