# The official Falco image with the docker plugin added: its release archives unpacked where
# falcoctl would put them (the plugin directory into /usr/share/falco/plugins, the rules into
# /etc/falco) and this repository's falco.yaml as the configuration (the docker source alone,
# no kernel driver). The collector is the single executable docker-collector: the image needs
# no Node.js.
#
#   npm run package
#   docker build -t falco-docker .
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock:ro falco-docker
#
# FALCO_IMAGE picks the base (any image with Falco at /usr/bin/falco, glibc and libstdc++).
# The official image cannot be pulled in this project's test environment:
# tests/falco/no-node.test.ts builds this file on a stand-in (Debian 12 minbase with Falco's
# runtime libraries and the real Falco binary) and checks that the rules fire.
ARG FALCO_IMAGE=falcosecurity/falco:0.44.1
FROM ${FALCO_IMAGE}
ARG VERSION=0.6.0
# ADD unpacks a local .tar.gz into the destination directory.
ADD build/release/docker-${VERSION}-linux-x86_64.tar.gz /usr/share/falco/plugins/
ADD build/release/docker-rules-${VERSION}.tar.gz /etc/falco/
COPY falco.yaml /etc/falco/falco.yaml
ENTRYPOINT ["/usr/bin/falco"]
CMD ["-c", "/etc/falco/falco.yaml", "--disable-source=syscall"]
