import ArgumentParser
import SteepleServerAPIProto
import Testing

@testable import steeple_server

@Suite("agents print exactly as SPIRE prints them")
struct AgentPrinterTests {
    static func agent() -> Steeple_Server_V1_Agent {
        var agent = Steeple_Server_V1_Agent()
        agent.spiffeID = "spiffe://example.org/spire/agent/join_token/abc"
        agent.attestationType = "join_token"
        agent.x509SvidExpiresAt = 1_715_967_345
        agent.x509SvidSerialNumber = "100095087906107800458890473530290535817"
        return agent
    }

    @Test("one agent: SPIRE's labels, a UTC time and a closing blank line")
    func block() {
        #expect(AgentPrinter.block(Self.agent()) == """
            SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc
            Attestation type  : join_token
            Expiration time   : 2024-05-17 17:35:45 +0000 UTC
            Serial number     : 100095087906107800458890473530290535817
            Can re-attest     : false


            """)
    }

    @Test("a banned agent shows Banned in place of its serial number")
    func banned() {
        var agent = Self.agent()
        agent.banned = true
        agent.canReattest = true
        #expect(AgentPrinter.block(agent) == """
            SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc
            Attestation type  : join_token
            Expiration time   : 2024-05-17 17:35:45 +0000 UTC
            Banned            : true
            Can re-attest     : true


            """)
    }

    @Test("agent list: Found N attested agents, or No attested agents found")
    func list() {
        #expect(AgentPrinter.list([]) == "No attested agents found\n")
        #expect(AgentPrinter.list([Self.agent()]) == "Found 1 attested agent:\n\n" + AgentPrinter.block(Self.agent()))
        #expect(AgentPrinter.list([Self.agent(), Self.agent()]).hasPrefix("Found 2 attested agents:\n\nSPIFFE ID"))
    }

    @Test("agent show: SPIRE's header, the agent, then its selectors")
    func show() {
        var agent = Self.agent()
        agent.selectors = [
            EntryCommandParsingTests.selector("k8s_psat", "agent_ns:spire"),
            EntryCommandParsingTests.selector("k8s_psat", "cluster:demo-cluster"),
        ]
        #expect(AgentPrinter.show(agent) == "Found an attested agent given its SPIFFE ID\n\n" + AgentPrinter.block(agent) + """
            Selectors         : k8s_psat:agent_ns:spire
            Selectors         : k8s_psat:cluster:demo-cluster

            """)
    }

    @Test("agent count: N attested agents")
    func count() {
        #expect(AgentPrinter.count(0) == "0 attested agents\n")
        #expect(AgentPrinter.count(1) == "1 attested agent\n")
    }

    @Test("agent filters the admin API lacks are applied after listing")
    func localFilters() throws {
        var agent = Self.agent()
        agent.selectors = [EntryCommandParsingTests.selector("join_token", "abc")]
        let bySelector = try AgentList.parse(["-selector", "join_token:abc"]).filters.query()
        #expect(bySelector.filtersLocally)
        #expect(bySelector.keeps(agent))
        #expect(!(try AgentList.parse(["-selector", "join_token:zzz"]).filters.query().keeps(agent)))
        #expect(!(try AgentList.parse(["-canReattest", "true"]).filters.query().keeps(agent)))
        #expect(try AgentList.parse(["-expiresBefore", "2024-05-18"]).filters.query().keeps(agent))
        #expect(!(try AgentList.parse(["-expiresBefore", "2024-05-17"]).filters.query().keeps(agent)))
    }
}
