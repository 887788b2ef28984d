//! The helmfile-style spec: files and `.gotmpl` rendering, environments, layered values,
//! sub-helmfiles, selectors, `needs`, SOPS secrets; resolves into a list of releases.
