"""A simulated city: citizens filing appeals, units handling them, petitioners rating them."""
