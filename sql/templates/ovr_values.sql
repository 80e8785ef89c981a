{{/* ovr_values: the values of type Type that valid overrides of kind Kind (block or unblock) name, for the
     checks of extraction. */}}
SELECT va FROM {{work "ovr"}} WHERE problem IS NULL AND kind = {{str .Kind}} AND id_type_a = {{str .Type}}
