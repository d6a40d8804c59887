import B24
import B24Wire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Which portal a run talks to and how, resolved from flags, then the environment, then the
/// config file (README "Choosing the portal").
public struct PortalSettings {
    public enum Target {
        case sandbox(fixture: String?)
        case webhook(String)
        case oauth(portal: String, clientId: String, clientSecret: String, accessToken: String,
                   refreshToken: String, oauthURL: String?, profile: (name: String, path: String)?)
        /// No portal configured: b24 calls raise CONFIG_ERROR (naming the config file looked
        /// for, and whether it was there), plain Lua still runs.
        case none(configFile: String, found: Bool)
    }

    public var target: Target
    /// `--plan`, else the profile's `plan`; nil: the standard plan (the sandbox: its own limits).
    public var plan: RateLimitPlan?
    /// The portal options that pick this portal again, safe to print (a path, a profile name,
    /// `--sandbox`): what a stopped run's summary puts in its undo command. Empty when the
    /// environment or the config file's default picks it; nil when only a secret-bearing flag
    /// could (`--webhook URL`, a webhook URL or tokens in the environment).
    public var printableOptions: [String]?

    public init(target: Target, plan: RateLimitPlan?, printableOptions: [String]? = nil) {
        self.target = target
        self.plan = plan
        self.printableOptions = printableOptions
    }

    public static func resolve(_ flags: B24Flags, environment: [String: String]) throws(B24Error) -> PortalSettings {
        var settings = try resolveTarget(flags, environment: environment)
        if settings.printableOptions == nil, case .sandbox(let fixture) = settings.target {
            settings.printableOptions = [fixture.map { "--sandbox=\($0)" } ?? "--sandbox"]
        }
        return settings
    }

    private static func resolveTarget(_ flags: B24Flags, environment: [String: String]) throws(B24Error) -> PortalSettings {
        let env = environment.filter { !$0.value.isEmpty }  // VAR= means unset, as shells use it
        if let sandbox = flags.sandbox { return PortalSettings(target: .sandbox(fixture: sandbox), plan: flags.plan) }
        if flags.webhook != nil, flags.webhookFile != nil {
            throw .configError("--webhook and --webhook-file both given; use one")
        }
        if let url = flags.webhook { return PortalSettings(target: .webhook(url), plan: flags.plan) }
        if let file = flags.webhookFile {
            return PortalSettings(target: .webhook(try WebhookFile.read(file)), plan: flags.plan, printableOptions: ["--webhook-file", file])
        }
        let config = try ConfigFile.load(environment: env)
        if let name = flags.profile {
            var s = try fromProfile(name, config: config, flags: flags, environment: env)
            s.printableOptions = ["--profile", name]
            return s
        }
        if let s = env["B24_SANDBOX"], !s.isEmpty, s != "0" {
            let fixture = (s == "1" || s.lowercased() == "true") ? nil : s
            return PortalSettings(target: .sandbox(fixture: fixture), plan: flags.plan)
        }
        if env["B24_WEBHOOK_URL"] != nil, env["B24_WEBHOOK_FILE"] != nil {
            throw .configError("B24_WEBHOOK_URL and B24_WEBHOOK_FILE both set; unset one")
        }
        if let url = env["B24_WEBHOOK_URL"] { return PortalSettings(target: .webhook(url), plan: flags.plan) }
        if let file = env["B24_WEBHOOK_FILE"] {
            return PortalSettings(target: .webhook(try WebhookFile.read(file)), plan: flags.plan, printableOptions: ["--webhook-file", file])
        }
        if let portal = env["B24_PORTAL"], let access = env["B24_ACCESS_TOKEN"] {
            return PortalSettings(
                target: .oauth(portal: portal, clientId: env["B24_CLIENT_ID"] ?? "", clientSecret: env["B24_CLIENT_SECRET"] ?? "",
                               accessToken: access, refreshToken: env["B24_REFRESH_TOKEN"] ?? "",
                               oauthURL: env["B24_OAUTH_URL"], profile: nil),
                plan: flags.plan)
        }
        if let name = env["B24LUA_PROFILE"] {
            var s = try fromProfile(name, config: config, flags: flags, environment: env)
            s.printableOptions = ["--profile", name]
            return s
        }
        if let name = config?.defaultProfile {
            var s = try fromProfile(name, config: config, flags: flags, environment: env)
            s.printableOptions = []
            return s
        }
        return PortalSettings(target: .none(configFile: ConfigFile.path(environment: env), found: config != nil),
                              plan: flags.plan)
    }

    private static func fromProfile(_ name: String, config: ConfigFile?, flags: B24Flags,
                                    environment: [String: String]) throws(B24Error) -> PortalSettings {
        guard let config else {
            throw .configError("profile '\(name)' asked for, but there is no config file")
        }
        let p = try config.profile(name)
        // Checked when the file was read (ConfigSchema): a plan it holds is one this reads.
        let plan = flags.plan ?? p["plan"]?.stringValue.flatMap(RateLimitPlan.init(argument:))
        if p["webhook"] != nil, p["webhook_file"] != nil {
            throw .configError("profile '\(name)' in \(config.path) has both 'webhook' and 'webhook_file'; keep one")
        }
        if let url = p["webhook"]?.stringValue { return PortalSettings(target: .webhook(url), plan: plan) }
        if let file = p["webhook_file"]?.stringValue {
            return PortalSettings(target: .webhook(try WebhookFile.read(config.resolvePath(file, environment: environment))),
                                  plan: plan)
        }
        if p["sandbox"]?.boolValue == true { return PortalSettings(target: .sandbox(fixture: p["fixture"]?.stringValue), plan: plan) }
        guard let portal = p["portal"]?.stringValue, let access = p["access_token"]?.stringValue else {
            throw .configError("profile '\(name)' in \(config.path) has neither 'webhook', 'webhook_file' nor 'portal' + 'access_token'")
        }
        return PortalSettings(
            target: .oauth(portal: portal, clientId: p["client_id"]?.stringValue ?? "",
                           clientSecret: p["client_secret"]?.stringValue ?? "", accessToken: access,
                           refreshToken: p["refresh_token"]?.stringValue ?? "", oauthURL: p["oauth_url"]?.stringValue,
                           profile: (name, config.path)),
            plan: plan)
    }
}
