// Every context, the ingress and the command line name ids the same way.
@_exported import Identifiers
