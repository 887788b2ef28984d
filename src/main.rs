fn main() {
    std::process::exit(deployer::cli::main());
}
