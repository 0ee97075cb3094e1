import Testing

@testable import steeple_server

@Suite("JSON re-indentation as Go's json.Indent")
struct JSONIndenterTests {
    @Test("strings keep their brackets, commas, colons and escaped quotes")
    func strings() {
        let json = #"{"a":"x,{y}:[z]","b":"say \"hi\"\\"}"#
        #expect(JSONIndenter.indent(Array(json.utf8), by: "  ") == """
            {
              "a": "x,{y}:[z]",
              "b": "say \\"hi\\"\\\\"
            }
            """)
    }

    @Test("existing whitespace is replaced; empty containers stay compact")
    func whitespace() {
        let json = "{ \"a\" : [ ] ,\n \"b\": { } , \"c\": [1, 2] }"
        #expect(JSONIndenter.indent(Array(json.utf8), by: "  ") == """
            {
              "a": [],
              "b": {},
              "c": [
                1,
                2
              ]
            }
            """)
    }
}
