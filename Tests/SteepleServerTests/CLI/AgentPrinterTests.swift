import ArgumentParser
import SPIREAPIProto
import Testing

@testable import steeple_server

@Suite("agents print exactly as SPIRE prints them")
struct AgentPrinterTests {
    static func agent() -> Spire_Api_Types_Agent {
        var agent = Spire_Api_Types_Agent()
        agent.id.trustDomain = "example.org"
        agent.id.path = "/spire/agent/join_token/abc"
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

    @Test("an agent that reported its version (PostStatus) ends with SPIRE's Agent version line")
    func version() {
        var agent = Self.agent()
        agent.agentVersion = "1.12.0"
        #expect(AgentPrinter.block(agent) == """
            SPIFFE ID         : spiffe://example.org/spire/agent/join_token/abc
            Attestation type  : join_token
            Expiration time   : 2024-05-17 17:35:45 +0000 UTC
            Serial number     : 100095087906107800458890473530290535817
            Can re-attest     : false
            Agent version     : 1.12.0


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
            Self.selector("k8s_psat", "agent_ns:spire"),
            Self.selector("k8s_psat", "cluster:demo-cluster"),
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

    @Test("agent filters SPIRE's API lacks (-spiffeID, -expiresBefore as a date) are applied after listing")
    func localFilters() throws {
        let agent = Self.agent()
        let byID = try AgentList.parse(["-spiffeID", "spiffe://example.org/spire/agent/join_token/abc"]).filters.query()
        #expect(byID.filtersLocally)
        #expect(byID.keeps(agent))
        #expect(!(try AgentList.parse(["-spiffeID", "spiffe://example.org/spire/agent/join_token/zzz"]).filters.query().keeps(agent)))
        #expect(try AgentList.parse(["-expiresBefore", "2024-05-18"]).filters.query().keeps(agent))
        #expect(!(try AgentList.parse(["-expiresBefore", "2024-05-17"]).filters.query().keeps(agent)))
        // Selectors and -canReattest go to the server.
        #expect(!(try AgentList.parse(["-selector", "join_token:abc", "-canReattest", "true"]).filters.query().filtersLocally))
    }

    @Test("agent purge: SPIRE's text and struct JSON for dry runs, purges and failures")
    func purge() {
        let found = [
            AgentPurge.Outcome(agentID: "spiffe://example.org/spire/agent/x509pop/a", deleted: true),
            AgentPurge.Outcome(agentID: "spiffe://example.org/spire/agent/x509pop/b", deleted: false, error: "rpc error: code = NotFound desc = agent not found"),
        ]
        #expect(AgentPurge.pretty([], dryRun: false) == "No agents to purge.\n")
        #expect(AgentPurge.pretty(found, dryRun: false) == """
            Found 2 expired agents

            Agents purged:
            SPIFFE ID         : spiffe://example.org/spire/agent/x509pop/a
            Agents not purged:
            SPIFFE ID         : spiffe://example.org/spire/agent/x509pop/b
            Error             : rpc error: code = NotFound desc = agent not found

            """)
        let dry = found.map { AgentPurge.Outcome(agentID: $0.agentID, deleted: false) }
        #expect(AgentPurge.pretty(Array(dry.prefix(1)), dryRun: true) == """
            Found 1 expired agent


            Agents that can be purged:
            SPIFFE ID         : spiffe://example.org/spire/agent/x509pop/a

            """)
        #expect(AgentPurge.json(found) == #"{"expired_agents":[{"agent_id":"spiffe://example.org/spire/agent/x509pop/a","deleted":true},{"agent_id":"spiffe://example.org/spire/agent/x509pop/b","deleted":false,"error":"rpc error: code = NotFound desc = agent not found"}]}"# + "\n")
        #expect(AgentPurge.json([]) == #"{"expired_agents":[]}"# + "\n")
    }

    static func selector(_ type: String, _ value: String) -> Spire_Api_Types_Selector {
        var selector = Spire_Api_Types_Selector()
        selector.type = type
        selector.value = value
        return selector
    }
}
